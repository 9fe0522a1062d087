import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, startCli, type CliProcess } from "./cli-process.js";

async function query(base: string, name: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}/api/query/${name}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ args: {} }) });
  return { status: response.status, body: await response.json() };
}

/** The 1-based line of the first line of `text` that contains `marker`. */
function lineOf(text: string, marker: string): number {
  return text.split("\n").findIndex((line) => line.includes(marker)) + 1;
}

/**
 * What `convoy dev` tells the user about their code, on the embedded database: TypeScript's
 * errors with file:line (from the type-checker process; not with `--typecheck=disable`), and
 * stacks of thrown errors that name the `.ts` file and line, not the bundle.
 */
describe("convoy dev diagnostics", () => {
  const dir = mkdtempSync(join(tmpdir(), "convoy-diag-"));
  let dev: CliProcess | undefined;
  afterAll(async () => {
    await dev?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it("prints a type error with its file and line, keeps serving, and source-maps a thrown error's stack", async () => {
    expect(runCli(["init"], dir).status).toBe(0);
    // the repo's node_modules: the starter's test imports vitest, which the type-checker must resolve
    symlinkSync(fileURLToPath(new URL("../../../../node_modules", import.meta.url)), join(dir, "node_modules"));
    dev = startCli(["dev", "--port", "0"], dir);
    const [, url] = (await dev.waitFor(/ready: (http:\/\/localhost:\d+)/, 240_000)) as [string, string];

    const file = join(dir, "convoy/messages.ts");
    const source = `${readFileSync(file, "utf8")}
export const typo = query({ args: {}, handler: async () => { const count: number = "three"; return count; } });

export const boom = query({
  args: {},
  handler: async () => {
    throw new Error("kaboom");
  },
});
`;
    writeFileSync(file, source);
    const [, line] = (await dev.waitFor(/convoy\/messages\.ts:(\d+):\d+ - error TS2322: Type 'string' is not assignable to type 'number'/, 240_000)) as [string, string];
    expect(Number(line)).toBe(lineOf(source, '"three"'));
    expect(dev.stderr()).not.toMatch(/error convoy\/messages\.ts:\d+:\d+ - error/);
    expect((await query(url, "messages:list")).status).toBe(200);

    // the type error may be reported before the hot swap lands
    let thrown = await query(url, "messages:boom");
    for (const deadline = Date.now() + 240_000; thrown.status === 404 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 100));
      thrown = await query(url, "messages:boom");
    }
    expect(thrown.status, dev.stdout() + dev.stderr()).toBe(500);
    expect(thrown.body.error.stack).toContain(`${join(dir, "convoy/messages.ts")}:${lineOf(source, "kaboom")}:`);
    expect(thrown.body.error.stack).not.toMatch(/\.convoy\/build/);

    writeFileSync(file, source.replace('"three"', "3"));
    await dev.waitFor(/type errors fixed/, 240_000);
    expect(await dev.stop()).toBe(0);
    dev = undefined;
  }, 600_000);

  it("does not type-check with --typecheck=disable", async () => {
    const file = join(dir, "convoy/messages.ts");
    writeFileSync(file, `${readFileSync(file, "utf8")}\nexport const typo2 = query({ args: {}, handler: async () => { const count: number = "three"; return count; } });\n`);
    rmSync(join(dir, ".convoy/tsconfig.typecheck.json"));
    dev = startCli(["dev", "--port", "0", "--typecheck=disable"], dir);
    const [, url] = (await dev.waitFor(/ready: (http:\/\/localhost:\d+)/, 240_000)) as [string, string];
    writeFileSync(file, `${readFileSync(file, "utf8")}\nexport const more = query({ args: {}, handler: async () => { const n: number = "n"; return n; } });\n`);
    await dev.waitFor(/reloaded in \d+ ms/, 240_000);
    expect((await query(url, "messages:more")).body).toEqual({ value: "n" });
    expect(existsSync(join(dir, ".convoy/tsconfig.typecheck.json"))).toBe(false);
    expect(dev.stdout() + dev.stderr()).not.toContain("error TS");
  }, 600_000);
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/test-database.js";
import { runCli, startCli, until, type CliProcess } from "./cli-process.js";

async function call(base: string, kind: "query" | "mutation", name: string, args: unknown): Promise<{ status: number; body: any }> {
  const send = () => fetch(`${base}/api/${kind}/${name}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ args }) });
  // a kept-alive socket the server closed while the test blocked in spawnSync (runCli) fails once: retry on a new one
  const response = await send().catch(send);
  return { status: response.status, body: await response.json() };
}

describe("convoy init + convoy dev", () => {
  const db = useTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), "convoy-cli-"));
  let dev: CliProcess | undefined;
  afterAll(async () => {
    await dev?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("init scaffolds a working starter and never overwrites", () => {
    const first = runCli(["init"], dir);
    expect(first.status).toBe(0);
    for (const file of ["convoy/schema.ts", "convoy/messages.ts", "CONVOY.md", "convoy/_generated/api.d.ts", "convoy/_generated/functions.ts"]) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    writeFileSync(join(dir, "convoy/schema.ts"), readFileSync(join(dir, "convoy/schema.ts"), "utf8") + "// mine\n");
    const second = runCli(["init"], dir);
    expect(second.status).toBe(0);
    expect(readFileSync(join(dir, "convoy/schema.ts"), "utf8")).toContain("// mine");
  });

  it("serves, hot-swaps an edited function, keeps the last good version on a broken file, then takes the fix", async () => {
    const env = db().databaseUrl === undefined ? {} : { DATABASE_URL: db().databaseUrl };
    dev = startCli(["dev", "--port", "0"], dir, env);
    const [, base] = await dev.waitFor(/ready: (http:\/\/localhost:\d+)/);
    const url = base!;

    const sent = await call(url, "mutation", "messages:send", { author: "ada", body: "hi" });
    expect(sent.status).toBe(200);
    const listed = await call(url, "query", "messages:list", {});
    expect(listed.body.value.map((m: { body: string }) => m.body)).toEqual(["hi"]);
    await dev.waitFor(/mutation messages:send [\d.]+ ms ok/);

    // beside dev: on the embedded database (locked to dev) run goes through dev's admin endpoint; on Postgres it connects itself
    const beside = runCli(["run", "messages:list", "{}"], dir, env);
    expect(beside.status, beside.stderr).toBe(0);
    expect(JSON.parse(beside.stdout).map((m: { body: string }) => m.body)).toEqual(["hi"]);
    const internal = runCli(["run", "messages:send", '{"author":"bo","body":"from run"}'], dir, env);
    expect(internal.status, internal.stderr).toBe(0);
    expect((await call(url, "query", "messages:byAuthor", { author: "bo" })).body.value.map((m: { body: string }) => m.body)).toEqual(["from run"]);
    const failed = runCli(["run", "messages:send", '{"author":"bo","body":" "}'], dir, env);
    expect(failed.status).toBe(1);
    expect(failed.stderr.match(/empty message/g)).toHaveLength(1);
    expect(runCli(["codegen"], dir).status).toBe(0);

    const file = join(dir, "convoy/messages.ts");
    const original = readFileSync(file, "utf8");
    writeFileSync(file, `${original}\nexport const version = query({ args: {}, handler: async () => "v1" });\n`);
    const v1 = await until(() => call(url, "query", "messages:version", {}), (r) => r.status === 200);
    expect(v1.body).toEqual({ value: "v1" });

    writeFileSync(file, `${original}\nexport const version = query({ args: {}, handler: async () => "v1" ;; oops\n`);
    await dev.waitFor(/error convoy\/messages\.ts:\d+:\d+: /);
    expect(dev.stderr()).toContain("still serving the last good version");
    expect((await call(url, "query", "messages:version", {})).body).toEqual({ value: "v1" });
    expect((await call(url, "query", "messages:list", {})).status).toBe(200);

    writeFileSync(file, `${original}\nexport const version = query({ args: {}, handler: async () => "v2" });\n`);
    const v2 = await until(() => call(url, "query", "messages:version", {}), (r) => r.body?.value === "v2");
    expect(v2.body).toEqual({ value: "v2" });
    expect(readFileSync(join(dir, "convoy/_generated/api.d.ts"), "utf8")).toContain('"messages": typeof messages_0');

    expect(await dev.stop()).toBe(0);
    dev = undefined;
  });

  it("refuses a taken port with a clear error and exit code 1", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const env = db().databaseUrl === undefined ? {} : { DATABASE_URL: db().databaseUrl };
      const result = runCli(["dev", "--port", String(port)], dir, env);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`port ${port} is already in use`);
    } finally {
      blocker.close();
    }
  });

  it("run prints the encoded result; unknown commands and flags are usage errors", () => {
    const env = db().databaseUrl === undefined ? {} : { DATABASE_URL: db().databaseUrl };
    const result = runCli(["run", "messages:byAuthor", '{"author":"ada"}'], dir, env);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).map((m: { body: string }) => m.body)).toEqual(["hi"]);
    const bad = runCli(["run", "messages:byAuthor", '{"author":1}'], dir, env);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("ARGS_INVALID");
    expect(runCli(["frobnicate"], dir).status).toBe(2);
    expect(runCli(["dev", "--nope"], dir).status).toBe(2);
    const help = runCli(["--help"], dir);
    expect(help.status).toBe(0);
    for (const command of ["init", "dev", "codegen", "run", "start"]) expect(help.stdout).toContain(command);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/test-database.js";
import { runCli, startCli, type CliProcess } from "./cli-process.js";

async function call(base: string, kind: "query" | "mutation", name: string, args: unknown): Promise<{ status: number; body: { value?: unknown } }> {
  const response = await fetch(`${base}/api/${kind}/${name}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ args }) });
  return { status: response.status, body: (await response.json()) as { value?: unknown } };
}

describe("convoy dev applies schema changes as convoy sync does", () => {
  const db = useTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), "convoy-dev-schema-"));
  let dev: CliProcess | undefined;
  afterAll(async () => {
    await dev?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints the steps it applied, refuses a change existing documents do not match and keeps serving the last good version", async () => {
    expect(runCli(["init"], dir).status).toBe(0);
    const env = db().databaseUrl === undefined ? {} : { DATABASE_URL: db().databaseUrl };
    dev = startCli(["dev", "--port", "0"], dir, env);
    const [, url] = await dev.waitFor(/ready: (http:\/\/localhost:\d+)/, 90_000);
    const base = url!;
    expect(dev.stdout()).toContain("schema: created table messages");
    expect(dev.stdout()).toMatch(/schema: built index messages\.by_author \([\d.]+ m?s\)/);

    const sent = await call(base, "mutation", "messages:send", { author: "ada", body: "hi" });
    expect(sent.status).toBe(200);
    const id = sent.body.value as string;

    // A new required field: the existing message lacks it.
    const schemaFile = join(dir, "convoy/schema.ts");
    const original = readFileSync(schemaFile, "utf8");
    writeFileSync(schemaFile, original.replace("body: v.string() }", "body: v.string(), likes: v.number() }"));
    const [refusal] = await dev.waitFor(/schema change refused[^\n]*/, 60_000);
    expect(refusal).toContain('1 document of table "messages"');
    expect(refusal).toContain(id);
    expect(dev.stderr()).toContain("still serving the last good version");

    // The old version still answers, with the old validator.
    const listed = await call(base, "query", "messages:list", {});
    expect(listed.status).toBe(200);
    expect((listed.body.value as { _id: string }[]).map((m) => m._id)).toEqual([id]);
    expect((await call(base, "mutation", "messages:send", { author: "bob", body: "still v1" })).status).toBe(200);
    const checked = runCli(["sync", "--check"], dir, env);
    if (db().databaseUrl !== undefined) expect(checked.status, "the refused change was not applied").toBe(1);

    // A change the documents match is applied and its steps printed.
    writeFileSync(schemaFile, original.replace("body: v.string() }", "body: v.string(), likes: v.optional(v.number()) }").replace(`.index("by_author", ["author"])`, `.index("by_author", ["author"]).index("by_body", ["body"])`));
    await dev.waitFor(/schema: built index messages\.by_body \([\d.]+ m?s\)/, 60_000);
    await dev.waitFor(/schema: checked 2 documents of messages against the new schema/);
    expect((await call(base, "query", "messages:list", {})).status).toBe(200);

    expect(await dev.stop()).toBe(0);
    dev = undefined;
  }, 180_000);
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/test-database.js";
import { runCli } from "../cli/cli-process.js";

/** Each CLI run may start the embedded PGlite: slow on a loaded machine. */
const LONG = 120_000;

describe("convoy sync needs only schema.ts; --dry-run tells when the plan cannot apply", () => {
  const db = useTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), "convoy-sync-schema-"));
  const env = () => ({ NO_COLOR: "1", ...(db().databaseUrl === undefined ? {} : { DATABASE_URL: db().databaseUrl }) });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("syncs despite a stale _generated/ and broken function modules", () => {
    expect(runCli(["init"], dir).status).toBe(0);
    const first = runCli(["sync"], dir, env(), LONG);
    expect(first.status, first.stderr).toBe(0);
    const sent = runCli(["run", "messages:send", '{"author":"ada","body":"hi"}'], dir, env(), LONG);
    expect(sent.status, sent.stderr).toBe(0);

    writeFileSync(join(dir, "convoy/_generated/functions.ts"), 'export { gone } from "../deleted-module.js";\nexport const modules = {;\n');
    writeFileSync(join(dir, "convoy/_generated/api.d.ts"), "export declare const api: { stale: true };\n");
    writeFileSync(join(dir, "convoy/broken.ts"), 'import { query } from "./_generated/server.js";\nexport const oops = query({ handler: async () => { return ;; } ) });\n');
    writeFileSync(join(dir, "convoy/typed.ts"), 'const n: number = "not a number";\nexport default n;\n');
    const schemaFile = join(dir, "convoy/schema.ts");
    writeFileSync(schemaFile, readFileSync(schemaFile, "utf8").replace(`.index("by_author", ["author"])`, `.index("by_author", ["author"]).index("by_body", ["body"])`));

    const synced = runCli(["sync"], dir, env(), LONG);
    expect(synced.status, synced.stderr).toBe(0);
    expect(synced.stdout).toContain("create index messages.by_body");
    expect(synced.stdout).toMatch(/applied \d+ step\(s\)/);
  }, 480_000);

  it("--dry-run exits 1 with ✗ when existing documents fail the new schema, and elides the schema JSON", () => {
    const schemaFile = join(dir, "convoy/schema.ts");
    writeFileSync(schemaFile, readFileSync(schemaFile, "utf8").replace("body: v.string() }", "body: v.string(), likes: v.number() }"));
    const dry = runCli(["sync", "--dry-run"], dir, env(), LONG);
    expect(dry.status, dry.stdout + dry.stderr).toBe(1);
    expect(dry.stderr).toContain("✗ documents of messages: 1 of 1 do not match the new validator");
    expect(dry.stdout + dry.stderr).not.toContain("✔ documents of messages");
    expect(dry.stderr).toContain("the plan cannot apply");
    // The schema JSON parameter of "record the schema" is shortened, not printed whole.
    expect(dry.stdout).toMatch(/-- params: \[.*… \(\d+ characters\)/);
    expect(dry.stdout).not.toContain('"documentType"');

    const check = runCli(["sync", "--check"], dir, env(), LONG);
    expect(check.status).toBe(1);
    const forced = runCli(["sync", "--dry-run", "--force"], dir, env(), LONG);
    expect(forced.status, forced.stderr).toBe(0);
    expect(forced.stdout).toContain("dry run: nothing was changed");
  }, 480_000);
});

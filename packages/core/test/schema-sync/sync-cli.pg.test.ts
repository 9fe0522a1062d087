import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/test-database.js";
import { runCli, startCli, type CliProcess } from "../cli/cli-process.js";

async function exitOf(cli: CliProcess): Promise<number | null> {
  while (cli.child.exitCode === null && cli.child.signalCode === null) await new Promise((r) => setTimeout(r, 50));
  return cli.stop();
}

describe("convoy sync / convoy start (CLI)", () => {
  const db = useTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), "convoy-sync-"));
  const env = () => ({ NO_COLOR: "1", ...(db().databaseUrl === undefined ? {} : { DATABASE_URL: db().databaseUrl }) });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("--check fails while pending, start refuses, --dry-run prints SQL and locks, sync applies", async () => {
    expect(runCli(["init"], dir).status).toBe(0);

    const check = runCli(["sync", "--check"], dir, env());
    expect(check.status, check.stderr).toBe(1);
    expect(check.stderr).toContain("pending: run `convoy sync`");

    const start = runCli(["start", "--port", "0"], dir, env());
    expect(start.status).toBe(1);
    expect(start.stderr).toMatch(/the database has no recorded schema \(never synced\) but the code's schema is [0-9a-f]{12}: run `convoy sync` first/);

    const dry = runCli(["sync", "--dry-run"], dir, env());
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('CREATE TABLE IF NOT EXISTS "public"."messages"');
    expect(dry.stdout).toContain('CREATE INDEX IF NOT EXISTS "messages__by_author"');
    expect(dry.stdout).toMatch(/-- lock: SHARE on public\.messages: reads continue, writes wait/);
    expect(dry.stdout).toContain("dry run: nothing was changed");

    const json = runCli(["sync", "--json"], dir, env());
    expect(json.status, json.stderr).toBe(0);
    const applied = JSON.parse(json.stdout) as { outcome: string; plan: { steps: { kind: string }[] }; logId: string };
    expect(applied.outcome).toBe("applied");
    expect(applied.plan.steps.map((s) => s.kind)).toContain("create_table");

    expect(runCli(["sync", "--check"], dir, env()).status).toBe(0);

    const server = startCli(["start", "--port", "0"], dir, env());
    await server.waitFor(/listening on http:\/\/localhost:\d+/);
    expect(await server.stop()).toBe(0);
  });

  it("start refuses a database at another schema hash; two syncs at once apply once", async () => {
    const file = join(dir, "convoy/schema.ts");
    writeFileSync(file, readFileSync(file, "utf8").replace(`.index("by_author", ["author"])`, `.index("by_author", ["author"]).index("by_body", ["body"])`));

    const start = runCli(["start", "--port", "0"], dir, env());
    expect(start.status).toBe(1);
    expect(start.stderr).toMatch(/the database is at schema [0-9a-f]{12} but the code's schema is [0-9a-f]{12}: run `convoy sync` first \(or pass --skip-schema-check/);

    // three steps: the key column of body (a rewrite of messages), the index on it, the schema record
    if (db().kind === "pg") {
      const syncs = [startCli(["sync"], dir, env()), startCli(["sync"], dir, env())];
      const codes = await Promise.all(syncs.map(exitOf));
      expect(codes, syncs.map((s) => s.stdout() + s.stderr()).join("\n---\n")).toEqual([0, 0]);
      const outputs = syncs.map((s) => s.stdout());
      expect(outputs.filter((o) => o.includes("applied 3 step(s)"))).toHaveLength(1);
      expect(outputs.filter((o) => o.includes("the database is up to date"))).toHaveLength(1);
    } else {
      // One process at a time can open the embedded database: sync twice in a row.
      expect(runCli(["sync"], dir, env()).stdout).toContain("applied 3 step(s)");
      expect(runCli(["sync"], dir, env()).stdout).toContain("the database is up to date");
    }

    const status = runCli(["sync", "--status", "--json"], dir, env());
    expect(status.status, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as { databaseHash: string; codeHash: string; inSync: boolean; log: { outcome: string; schemaHash: string }[] };
    expect(parsed.inSync).toBe(true);
    expect(parsed.log.filter((e) => e.schemaHash === parsed.codeHash && e.outcome === "applied")).toHaveLength(1);
    expect(parsed.log).toHaveLength(2);

    const text = runCli(["sync", "--status"], dir, env());
    expect(text.stdout).toContain(`schema hash in the database: ${parsed.databaseHash}`);
    expect(text.stdout).toContain("(in sync)");
  });
});

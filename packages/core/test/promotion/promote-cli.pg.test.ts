import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveTarget, readVerification } from "../../src/promotion/index.js";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import { loadPromotions } from "../../src/storage/promoted-column.js";
import { v } from "../../src/values/index.js";
import { runCli, startCli } from "../cli/cli-process.js";
import { useTestDatabase } from "../helpers/test-database.js";
import { seedDocuments } from "./seed.js";

/**
 * `convoy promote` / `convoy backfill` as real child processes on a real server: refusals
 * before anything changes, the plan with SQL and locks, a SIGKILL half way through the backfill
 * then a resumed run, the switch with a correct checksum, `--finish`, `_generated/` unchanged.
 */
const ROWS = 30_000;
const FIELDS = `{ author: v.string(), body: v.string(), tag: v.optional(v.union(v.string(), v.null())), meta: v.optional(v.object({ lang: v.string() })) }`;
const schemaSource = (columns: boolean) => `import { defineSchema, defineTable } from "@convoy/core/server";
import { v } from "@convoy/core/values";

export default defineSchema({
  messages: defineTable(${FIELDS}).index("by_author", ["author"])${columns ? `.columns(["author"])` : ""},
});
`;
/** The same schema in process (what the CLI loads), for the target of the verification. */
const schema = defineSchema({
  messages: defineTable({ author: v.string(), body: v.string(), tag: v.optional(v.union(v.string(), v.null())), meta: v.optional(v.object({ lang: v.string() })) })
    .index("by_author", ["author"])
    .columns(["author"]),
});

function generated(dir: string): Record<string, string> {
  const root = join(dir, "convoy/_generated");
  return Object.fromEntries(readdirSync(root).map((file) => [file, readFileSync(join(root, file), "utf8")]));
}

describe("convoy promote / convoy backfill (CLI)", () => {
  const db = useTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), "convoy-promote-"));
  const env = () => ({ NO_COLOR: "1", DATABASE_URL: db().databaseUrl! });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const promotionRow = async () => (await loadPromotions(db().driver, "public")).get("messages")?.get("author");
  const columns = async () => (await db().driver.query<{ name: string }>(`SELECT attname AS name FROM pg_attribute WHERE attrelid = '"public"."messages"'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`)).rows.map((r) => r.name);

  it("declaring the column leaves _generated/ byte-identical; sync creates the table", async () => {
    expect(runCli(["init"], dir).status).toBe(0);
    writeFileSync(join(dir, "convoy/schema.ts"), schemaSource(false));
    expect(runCli(["codegen"], dir, env()).status).toBe(0);
    const before = generated(dir);
    writeFileSync(join(dir, "convoy/schema.ts"), schemaSource(true));
    const codegen = runCli(["codegen"], dir, env());
    expect(codegen.status, codegen.stderr).toBe(0);
    expect(generated(dir)).toEqual(before);
    const sync = runCli(["sync"], dir, env());
    expect(sync.status, sync.stderr).toBe(0);
    await seedDocuments(db().driver, "messages", ROWS, (i) => ({ author: `a${String(i % 500)}`, body: `body ${String(i)}` }));
  });

  it("refuses an undeclared field, a union, a nested path and wrong-typed documents, changing nothing", async () => {
    const columnsBefore = await columns();
    const body = runCli(["promote", "messages.body", "--apply"], dir, env());
    expect(body.status).toBe(1);
    expect(body.stderr).toContain("messages.body: not declared");
    const union = runCli(["promote", "messages.tag", "--apply"], dir, env());
    expect(union.status).toBe(1);
    expect(union.stderr).toMatch(/cannot promote messages\.tag: .*union/);
    const nested = runCli(["promote", "messages.meta.lang", "--apply"], dir, env());
    expect(nested.status).toBe(1);
    expect(nested.stderr).toContain("top-level fields only");
    expect(runCli(["promote"], dir, env()).status).toBe(2);

    const bad = await seedDocuments(db().driver, "messages", 3, (i) => ({ author: i, body: "wrong" }));
    const wrong = runCli(["promote", "messages.author", "--apply"], dir, env());
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain(`3 document(s) hold a value of another type than the column's (text) in "author" (e.g. _id ${[...bad].sort()[0]!})`);
    expect(await columns()).toEqual(columnsBefore);
    expect(await promotionRow()).toBeUndefined();
    await db().driver.query(`DELETE FROM "public"."messages" WHERE _id IN (SELECT jsonb_array_elements_text($1::jsonb))`, [bad]);
  });

  it("prints the plan: every step with its SQL and lock level, and changes nothing", async () => {
    const plan = runCli(["promote", "messages.author"], dir, env());
    expect(plan.status, plan.stderr).toBe(0);
    for (const step of ["1. expand", "2. backfill", "3. index", "4. verify", "5. switch"]) expect(plan.stdout).toContain(step);
    expect(plan.stdout).toContain(`ALTER TABLE "public"."messages" ADD COLUMN IF NOT EXISTS "author" text COLLATE "C";`);
    expect(plan.stdout).toMatch(/-- lock: ACCESS EXCLUSIVE on public\.messages: reads and writes wait\n.*ADD COLUMN/);
    expect(plan.stdout).toMatch(/-- lock: SHARE ROW EXCLUSIVE on public\.messages.*\nCREATE TRIGGER/);
    expect(plan.stdout).toMatch(/-- lock: ROW EXCLUSIVE on public\.messages.*\nWITH bound AS/);
    expect(plan.stdout).toMatch(/-- lock: SHARE UPDATE EXCLUSIVE on public\.messages.*runs outside a transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS "messages__by_author__c"/);
    expect(plan.stdout).toMatch(/-- lock: ACCESS SHARE on public\.messages/);
    expect(plan.stdout).toContain("lock_timeout 2000 ms, retried");
    expect(plan.stdout).toContain("plan only: nothing was changed");
    expect(await promotionRow()).toBeUndefined();
  });

  it("a SIGKILL half way through the backfill: the rerun resumes (rows_done continues) and the switch verifies", async () => {
    const cli = startCli(["promote", "messages.author", "--apply", "--batch-size", "500", "--throttle", "40"], dir, env());
    let killedAt = 0;
    for (;;) {
      const row = await promotionRow();
      if (row !== undefined && row.rowsDone > 0 && row.rowsDone < ROWS) {
        cli.child.kill("SIGKILL");
        break;
      }
      if (cli.child.exitCode !== null) throw new Error(`the CLI ended before the kill:\n${cli.stdout()}\n${cli.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((resolve) => cli.child.once("exit", resolve));
    killedAt = (await promotionRow())!.rowsDone;
    expect(killedAt).toBeGreaterThan(0);
    expect(killedAt).toBeLessThan(ROWS);
    expect((await promotionRow())!.state).toBe("expanded");

    const resumed = runCli(["backfill", "messages.author", "--batch-size", "2000"], dir, env());
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/backfill messages\.author: \d+\/30000 rows \(\d+%\), \d+ rows\/s, ETA/);
    const firstLine = Number(/: (\d+)\/30000 rows/.exec(resumed.stdout)![1]);
    expect(firstLine).toBeGreaterThan(killedAt);
    const after = (await promotionRow())!;
    expect(after.state).toBe("backfilled");
    expect(after.rowsDone).toBe(ROWS); // from where it stopped: a restart from 0 would count more

    const apply = runCli(["promote", "messages.author", "--apply"], dir, env());
    expect(apply.status, apply.stderr).toBe(0);
    expect(apply.stdout).toContain("messages.author is switched");
    expect((await promotionRow())!.state).toBe("switched");
    // the switch recorded the code's whole schema: nothing pending for sync, start accepts it
    const check = runCli(["sync", "--check"], dir, env());
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const status = JSON.parse(runCli(["sync", "--status", "--json"], dir, env()).stdout) as { inSync: boolean; log: { source: string; steps: string[] }[] };
    expect(status.inSync).toBe(true);
    expect(status.log[0]).toMatchObject({ source: "promote", steps: [expect.stringContaining("switch reads, index ranges, ordering and cursors of messages.author")] });
    const verification = await readVerification(db().driver, resolveTarget(schema, "public", "messages.author"));
    expect(verification).toMatchObject({ rows: ROWS, mismatched: 0, indexes: { messages__by_author__c: true } });
    expect(verification.columnChecksum).toBe(verification.documentChecksum);

    const { rows: log } = await db().driver.query<{ kind: string; outcome: string }>(
      `SELECT plan->'steps'->0->>'kind' AS kind, outcome FROM convoy.sync_log WHERE source = 'promote' ORDER BY id`,
    );
    expect(log).toEqual([
      { kind: "promote_expand", outcome: "applied" },
      { kind: "promote_backfill", outcome: "running" }, // the killed run
      { kind: "promote_backfill", outcome: "applied" },
      { kind: "promote_index", outcome: "applied" },
      { kind: "promote_verify", outcome: "applied" },
      { kind: "promote_switch", outcome: "applied" },
    ]);
  });

  it("--finish prints its own plan, then drops the key-column index and key column", async () => {
    const plan = runCli(["promote", "messages.author", "--finish"], dir, env());
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`DROP INDEX CONCURRENTLY IF EXISTS "public"."messages__by_author"`);
    expect(plan.stdout).toMatch(/ALTER TABLE "public"\."messages" DROP COLUMN IF EXISTS "_key_author_[0-9a-f]{8}"/);
    const finish = runCli(["promote", "messages.author", "--finish", "--apply"], dir, env());
    expect(finish.status, finish.stderr).toBe(0);
    expect((await promotionRow())!.state).toBe("finished");
    expect((await columns()).filter((c) => c.startsWith("_key_author"))).toEqual([]);
    const { rows } = await db().driver.query<{ name: string }>(`SELECT indexname AS name FROM pg_indexes WHERE tablename = 'messages' ORDER BY 1`);
    expect(rows.map((r) => r.name)).toContain("messages__by_author__c");
    expect(rows.map((r) => r.name)).not.toContain("messages__by_author");
    expect(runCli(["promote", "messages.author", "--apply"], dir, env()).status).toBe(0);
  });
});

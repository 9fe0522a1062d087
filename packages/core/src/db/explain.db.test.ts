import { beforeAll, describe, expect, it } from "vitest";
import { recordingQueryable, useDbHarness } from "../../test/db/harness.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { v } from "../values/index.js";
import type { DatabaseImpl } from "./index.js";

/**
 * The SQL of index queries must be what a Postgres user would write by hand: on a table large
 * enough that the planner would otherwise scan it, each statement walks the matching index with
 * no Seq Scan and no Sort node.
 */
const schema = defineSchema({
  big: defineTable({ a: v.string(), b: v.number() }).index("by_a_b", ["a", "b"]),
});
const h = useDbHarness(schema);

beforeAll(async () => {
  const { driver } = h.database();
  await driver.query(`INSERT INTO "public"."big" ("_id", "_creation_time", "data")
    SELECT lpad(i::text, 26, '0'), 1700000000000 + i, jsonb_build_object('a', 'a' || (i % 100), 'b', (i * 7919) % 1000)
    FROM generate_series(1, 20000) AS i`);
  await driver.query(`ANALYZE "public"."big"`);
});

/** Runs `fn` and returns the statements it ran, with the plan Postgres chooses for each. */
async function plans(fn: (db: DatabaseImpl) => Promise<unknown>): Promise<{ sql: string; plan: string }[]> {
  const statements: { sql: string; params: readonly unknown[] }[] = [];
  await h.run(async (db) => fn(db), { tx: (tx) => recordingQueryable(tx, statements), writable: false });
  const out = [];
  for (const statement of statements) {
    const { rows } = await h.database().driver.query<{ "QUERY PLAN": string }>(`EXPLAIN ${statement.sql}`, statement.params);
    out.push({ sql: statement.sql, plan: rows.map((row) => row["QUERY PLAN"]).join("\n") });
  }
  return out;
}

function expectIndexPlan(plan: string): void {
  expect(plan).toMatch(/Index (Only )?Scan( Backward)? using big__by_a_b|Bitmap Index Scan on big__by_a_b/);
  expect(plan).not.toMatch(/Seq Scan/);
  expect(plan).not.toMatch(/Sort/);
}

describe("EXPLAIN of index queries", () => {
  const isPostgres = () => h.database().kind === "pg";

  it("eq + range withIndex compiles to the key columns, walked by an index scan", async () => {
    const [statement] = await plans((db) => db.query("big").withIndex("by_a_b", (q) => q.eq("a", "a7").gt("b", 10).lt("b", 500)).take(20));
    expect(statement!.sql).toBe(
      `SELECT "_id", "_creation_time", "data" FROM "public"."big" WHERE "_key_a_b7c0f793" = $1 AND "_key_b_3bf9997a" > $2 AND "_key_b_3bf9997a" < $3 ORDER BY "_key_b_3bf9997a", "_creation_time", "_id" LIMIT 20`,
    );
    if (isPostgres()) expectIndexPlan(statement!.plan);
    else expect(statement!.plan).toContain("Limit");
  });

  it("a paginated page with a cursor continues with a row comparison on the index", async () => {
    const statements = await plans(async (db) => {
      const query = () => db.query("big").withIndex("by_a_b", (q) => q.eq("a", "a3"));
      const first = await query().paginate({ numItems: 50, cursor: null });
      await query().paginate({ numItems: 50, cursor: first.continueCursor });
    });
    const page = statements[1]!;
    expect(page.sql).toContain(`("_key_b_3bf9997a", "_creation_time", "_id") > ($2, $3, $4)`);
    expect(page.sql).toMatch(/LIMIT 51$/);
    if (isPostgres()) {
      expectIndexPlan(page.plan);
      expect(page.plan).toMatch(/Index Cond: .*ROW\(/s);
    } else expect(page.plan).toContain("Limit");
  });

  it("count() over an index range runs count(*) on the index", async () => {
    const [statement] = await plans((db) => db.query("big").withIndex("by_a_b", (q) => q.eq("a", "a5").gte("b", 100).lte("b", 200)).count());
    expect(statement!.sql).toMatch(/^SELECT count\(\*\) AS n FROM "public"."big" WHERE/);
    if (isPostgres()) expectIndexPlan(statement!.plan);
    else expect(statement!.plan).toContain("Aggregate");
  });

  it("a desc query walks the index backward", async () => {
    const [statement] = await plans((db) => db.query("big").withIndex("by_a_b", (q) => q.eq("a", "a9")).order("desc").take(10));
    // the eq-fixed column is left out of ORDER BY: the same index walk, no sort key computed per row for it
    expect(statement!.sql).toContain(`ORDER BY "_key_b_3bf9997a" DESC, "_creation_time" DESC, "_id" DESC LIMIT 10`);
    if (isPostgres()) {
      expectIndexPlan(statement!.plan);
      expect(statement!.plan).toContain("Index Scan Backward");
    } else expect(statement!.plan).toContain("Limit");
  });

  it("a range that fixes every field column orders by the system columns alone and still walks the index", async () => {
    const [statement] = await plans((db) => db.query("big").withIndex("by_a_b", (q) => q.eq("a", "a4").eq("b", 4)).order("desc").take(5));
    expect(statement!.sql).toMatch(/ORDER BY "_creation_time" DESC, "_id" DESC LIMIT 5$/);
    if (isPostgres()) {
      expectIndexPlan(statement!.plan);
      expect(statement!.plan).toContain("Index Scan Backward");
    } else expect(statement!.plan).toContain("Limit");
  });

  it("by_creation_time pages use the native columns", async () => {
    const statements = await plans(async (db) => {
      const first = await db.query("big").order("desc").paginate({ numItems: 10, cursor: null });
      await db.query("big").order("desc").paginate({ numItems: 10, cursor: first.continueCursor });
    });
    expect(statements[1]!.sql).toBe(
      `SELECT "_id", "_creation_time", "data" FROM "public"."big" WHERE ("_creation_time", "_id") < ($1, $2) ORDER BY "_creation_time" DESC, "_id" DESC LIMIT 11`,
    );
    if (isPostgres()) {
      expect(statements[1]!.plan).toContain("Index Scan Backward using big__by_creation_time");
      expect(statements[1]!.plan).not.toMatch(/Seq Scan|Sort/);
    } else expect(statements[1]!.plan).toContain("Limit");
  });

  it("the index is built on the stored key columns, and both databases walk it with no Sort and no sort key computed per row", async () => {
    const { rows } = await h.database().driver.query<{ def: string }>(`SELECT pg_get_indexdef('public.big__by_a_b'::regclass) AS def`);
    expect(rows[0]!.def).toContain("USING btree (_key_a_b7c0f793, _key_b_3bf9997a, _creation_time, _id)");
    const statements = await plans(async (db) => {
      const query = () => db.query("big").withIndex("by_a_b", (q) => q.eq("a", "a3").gt("b", 5));
      const first = await query().paginate({ numItems: 20, cursor: null });
      await query().paginate({ numItems: 20, cursor: first.continueCursor });
    });
    for (const statement of statements) {
      expectIndexPlan(statement.plan);
      expect(statement.plan).not.toContain("sort_key_v1");
    }
  });
});

import { describe, expect, it } from "vitest";
import { useDbHarness } from "../../test/db/harness.js";
import { isFrameworkError } from "../errors/index.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { v } from "../values/index.js";

/**
 * Convex parity: every field name a document may hold works in `filter`, `withIndex` and index
 * definitions (quoted or parameterised, never rejected), and `and`/`or` short-circuit left to
 * right so a guard keeps an arithmetic expression from being evaluated.
 */
const SQLISH = "s'); DROP TABLE x; --";
const SPACED = 'with "quotes" and spaces';
const BACKSLASH = "back\\slash'";
const schema = defineSchema({
  odd: defineTable({
    [SQLISH]: v.optional(v.number()),
    [SPACED]: v.optional(v.object({ [BACKSLASH]: v.string() })),
    kind: v.string(),
    x: v.optional(v.union(v.number(), v.string())),
  })
    .index("by_sqlish", [SQLISH])
    .index("by_nested", [`${SPACED}.${BACKSLASH}`]),
});
const h = useDbHarness(schema);

async function seed(): Promise<void> {
  await h.database().driver.query(`TRUNCATE "odd"`);
  await h.run(async (db) => {
    await db.insert("odd", { [SQLISH]: 1, [SPACED]: { [BACKSLASH]: "b" }, kind: "num", x: 3 });
    await db.insert("odd", { [SQLISH]: 2, [SPACED]: { [BACKSLASH]: "a" }, kind: "text", x: "abc" });
    await db.insert("odd", { kind: "none" });
  });
}

const kinds = (docs: Record<string, unknown>[]) => docs.map((doc) => doc.kind);

async function failure(promise: Promise<unknown>): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (error) {
    expect(isFrameworkError(error)).toBe(true);
    return error as Error & { code: string };
  }
  throw new Error("expected the query to fail");
}

describe("field names with quotes, spaces and SQL-looking text", () => {
  it("are stored, filtered on and returned as written", async () => {
    await seed();
    await h.run(async (db) => {
      const docs = await db.query("odd").filter((q) => q.eq(q.field(SQLISH), 2)).collect();
      expect(kinds(docs)).toEqual(["text"]);
      expect(docs[0]![SPACED]).toEqual({ [BACKSLASH]: "a" });
      expect(kinds(await db.query("odd").filter((q) => q.eq(q.field(`${SPACED}.${BACKSLASH}`), "b")).collect())).toEqual(["num"]);
      expect(kinds(await db.query("odd").filter((q) => q.eq(q.field(SQLISH), undefined)).collect())).toEqual(["none"]);
    });
    const { rows } = await h.database().driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM "odd"`);
    expect(rows[0]!.n).toBe(3);
  });

  it("are index fields: withIndex ranges and order use the index", async () => {
    await seed();
    await h.run(async (db) => {
      expect(kinds(await db.query("odd").withIndex("by_sqlish", (q) => q.gte(SQLISH, 1)).order("desc").collect())).toEqual(["text", "num"]);
      expect(kinds(await db.query("odd").withIndex("by_sqlish", (q) => q.eq(SQLISH, undefined)).collect())).toEqual(["none"]);
      expect(kinds(await db.query("odd").withIndex("by_nested", (q) => q.gt(`${SPACED}.${BACKSLASH}`, null)).collect())).toEqual(["text", "num"]);
      const page = await db.query("odd").withIndex("by_sqlish").paginate({ numItems: 2, cursor: null });
      expect(kinds(page.page)).toEqual(["none", "num"]);
    });
    const sql = await h.run((db) => Promise.resolve(db.query("odd").withIndex("by_sqlish", (q) => q.gt(SQLISH, 0)).compile({ limit: 1 })), { writable: false });
    await h.database().driver.query(`SET enable_seqscan = off`);
    try {
      const { rows } = await h.database().driver.query<{ "QUERY PLAN": string }>(`EXPLAIN (COSTS OFF) ${sql.sql}`, sql.params);
      expect(rows.map((row) => row["QUERY PLAN"]).join("\n")).toMatch(/Index Scan using odd__by_sqlish/);
    } finally {
      await h.database().driver.query(`RESET enable_seqscan`);
    }
  });
});

describe("and/or short-circuit left to right", () => {
  it("a guard before an arithmetic expression keeps it from being evaluated", async () => {
    await seed();
    await h.run(async (db) => {
      const guardedAnd = await db.query("odd").filter((q) => q.and(q.eq(q.field("kind"), "num"), q.gt(q.add(q.field("x"), 1), 2))).collect();
      expect(kinds(guardedAnd)).toEqual(["num"]);
      const guardedOr = await db.query("odd").filter((q) => q.or(q.neq(q.field("kind"), "num"), q.gt(q.add(q.field("x"), 1), 10))).collect();
      expect(kinds(guardedOr)).toEqual(["text", "none"]);
      const nested = await db
        .query("odd")
        .filter((q) => q.not(q.and(q.eq(q.field("kind"), "num"), q.or(q.eq(q.field("x"), 3), q.eq(q.div(q.field("x"), 0), 1)))))
        .collect();
      expect(kinds(nested)).toEqual(["text", "none"]);
      const chained = await db.query("odd").filter((q) => q.eq(q.field("kind"), "num")).filter((q) => q.eq(q.mul(q.field("x"), 2), 6)).collect();
      expect(kinds(chained)).toEqual(["num"]);
      // SQL's AND/OR do not fix an evaluation order: the compiler emits CASE, which does
      const { sql } = db.query("odd").filter((q) => q.and(q.eq(q.field("kind"), "num"), q.gt(q.add(q.field("x"), 1), 2))).compile();
      expect(sql).toMatch(/CASE WHEN NOT \(.*\) THEN FALSE ELSE .*convoy\.arith_v1\('add'/);
    });
  });

  it("arithmetic on a missing or non-numeric operand fails the query, naming the operation", async () => {
    await seed();
    const text = await failure(h.run(async (db) => db.query("odd").filter((q) => q.gt(q.add(q.field("x"), 1), 2)).collect()));
    expect(text.code).toBe("INTERNAL");
    expect(text.message).toMatch(/cannot add (string and float64|missing and float64)/);
    const missing = await failure(h.run(async (db) => db.query("odd").filter((q) => q.and(q.neq(q.field("kind"), "num"), q.gt(q.sub(q.field(SQLISH), 1), 0))).collect()));
    expect(missing.message).toMatch(/cannot sub missing and float64/);
    const negated = await failure(h.run(async (db) => db.query("odd").filter((q) => q.eq(q.neg(q.field("kind")), 1)).collect()));
    expect(negated.message).toMatch(/cannot negate string/);
  });
});

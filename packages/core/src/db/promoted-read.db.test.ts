import { beforeAll, describe, expect, it } from "vitest";
import { recordingQueryable } from "../../test/db/harness.js";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import { ensureSchema } from "../schema-sync/ensure-schema.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { AccessLog } from "../storage/access-log.js";
import { createCatalog, type Catalog } from "../storage/catalog.js";
import { loadCatalog } from "../storage/load-catalog.js";
import {
  PROMOTIONS_TABLE,
  addPromotedColumnSql,
  columnFromDocumentSql,
  columnMismatchSql,
  createPromotedIndexSql,
  promotedIndexName,
  promotionTriggerSql,
  type PromotedColumnType,
} from "../storage/promoted-column.js";
import { loadCursorSecret, requireStorage } from "../storage/storage-check.js";
import { literal } from "../storage/sql/identifiers.js";
import { v } from "../values/index.js";
import type { Value } from "../values/value.js";
import type { Queryable } from "../driver/index.js";
import { createDatabase, type DatabaseImpl } from "./index.js";

/*
 * After a promotion is switched (done here by hand, as `convoy promote` does it: column,
 * trigger, backfill, column-backed indexes, state 'switched'), every query reads ranges, order
 * and keyset positions from the typed column, and gives exactly what it gave from the key
 * columns before: eq and ranges (cross-type bounds too), both orders, pagination (cursors made
 * before the switch continue after it), filters, on string, number (-0/0/NaN/±Infinity),
 * int64, boolean, id and optional fields.
 */
const schema = defineSchema({
  docs: defineTable({
    k: v.number(),
    s: v.optional(v.string()),
    n: v.optional(v.number()),
    i: v.optional(v.int64()),
    b: v.optional(v.boolean()),
    r: v.optional(v.id("docs")),
  })
    .index("by_s", ["s"])
    .index("by_n", ["n"])
    .index("by_i", ["i"])
    .index("by_b", ["b"])
    .index("by_r", ["r"])
    .index("by_b_n", ["b", "n"])
    .index("by_s_k", ["s", "k"])
    .columns(["s", "n", "i", "b", "r"]),
  big: defineTable({ a: v.string(), w: v.number() }).index("by_a", ["a"]).columns(["a"]),
});

const TYPES: Record<string, PromotedColumnType> = { s: "text", n: "double precision", i: "bigint", b: "boolean", r: "text" };
const STRINGS: (string | undefined)[] = ["", "a", "B", "b", "ab", "é", "\u{1F600}", "\uFFFD", undefined];
const NUMBERS: (number | undefined)[] = [-0, 0, NaN, Infinity, -Infinity, 1.5, -2, 5e-324, undefined];
const INT64S: (bigint | undefined)[] = [-(2n ** 63n), -1n, 0n, 5n, 2n ** 63n - 1n, undefined];
const BOOLEANS: (boolean | undefined)[] = [true, false, undefined];
/** Bounds of another type than the column's, or absent values. */
const CROSS: (Value | undefined)[] = [null, 3n, 3, "aa", "Z", true, [], {}, new Uint8Array([1]).buffer];

const database = useTestDatabase();
let secret = "";
let before: Catalog;
let after: Catalog;
const ids: string[] = [];

function run<T>(catalog: Catalog, fn: (db: DatabaseImpl) => Promise<T>, tx?: (q: Queryable) => Queryable): Promise<T> {
  return database().driver.transaction({ isolation: "serializable" }, (raw) =>
    fn(createDatabase({ tx: tx === undefined ? raw : tx(raw), catalog, log: new AccessLog(), writable: true, cursorSecret: secret })),
  );
}

async function switchPromotions(): Promise<void> {
  const { driver } = database();
  const promoted = new Map<string, Map<string, PromotedColumnType>>([
    ["docs", new Map(Object.entries(TYPES))],
    ["big", new Map([["a", "text"]])],
  ]);
  for (const [table, fields] of promoted) {
    for (const [field, type] of fields) {
      await driver.query(addPromotedColumnSql("public", table, field, type));
      for (const sql of promotionTriggerSql("public", table, field, type)) await driver.query(sql);
      await driver.query(`UPDATE "public"."${table}" SET "${field}" = ${columnFromDocumentSql(type, `data->${literal(field)}`)}`);
      const { rows } = await driver.query<{ n: string | number }>(`SELECT count(*) AS n FROM "public"."${table}" WHERE ${columnMismatchSql(type, field)}`);
      expect(Number(rows[0]!.n)).toBe(0);
      await driver.query(`INSERT INTO ${PROMOTIONS_TABLE} (pg_schema, table_name, field, column_type, state) VALUES ('public', $1, $2, $3, 'verified')`, [table, field, type]);
    }
    for (const index of schema.tables[table as "docs"].indexes) {
      if (index.fields.some((field) => fields.has(field))) await driver.query(createPromotedIndexSql("public", table, index, fields));
    }
  }
  await driver.query(`UPDATE ${PROMOTIONS_TABLE} SET state = 'switched', updated_at = now()`);
}

beforeAll(async () => {
  const { driver } = database();
  await ensureSchema({ driver, databaseUrl: database().databaseUrl }, schema);
  secret = await loadCursorSecret(driver);
  before = createCatalog(schema);
  await run(before, async (db) => {
    for (let k = 0; k < 60; k++) {
      const doc: Record<string, Value> = { k };
      const s = STRINGS[k % STRINGS.length];
      const n = NUMBERS[(k * 7) % NUMBERS.length];
      const i = INT64S[(k * 5) % INT64S.length];
      const b = BOOLEANS[(k * 11) % BOOLEANS.length];
      if (s !== undefined) doc.s = s;
      if (n !== undefined) doc.n = n;
      if (i !== undefined) doc.i = i;
      if (b !== undefined) doc.b = b;
      if (k % 4 !== 0 && ids.length > 0) doc.r = ids[(k * 13) % ids.length]!;
      ids.push(await db.insert("docs", doc));
    }
  });
  await driver.query(`INSERT INTO "public"."big" ("_id", "_creation_time", "data")
    SELECT lpad(i::text, 26, '0'), 1700000000000 + i, jsonb_build_object('a', 'a' || (i % 500), 'w', i)
    FROM generate_series(1, ${database().kind === "pg" ? 20000 : 500}) AS i`);
});

type Query = { label: string; run: (db: DatabaseImpl) => Promise<number[]> };

const ks = (docs: Record<string, unknown>[]) => docs.map((doc) => doc.k as number);

/** Every query compared before/after the switch. */
function queries(): Query[] {
  const out: Query[] = [];
  const pools: [string, (Value | undefined)[]][] = [
    ["s", STRINGS],
    ["n", NUMBERS],
    ["i", INT64S],
    ["b", BOOLEANS],
    ["r", [...ids.slice(0, 5), undefined]],
  ];
  for (const [field, pool] of pools) {
    const index = `by_${field}`;
    for (const order of ["asc", "desc"] as const) {
      out.push({ label: `${index} ${order}`, run: async (db) => ks(await db.query("docs").withIndex(index).order(order).collect()) });
    }
    for (const value of [...pool, ...CROSS]) {
      const label = (op: string) => `${index} ${op} ${typeof value === "bigint" ? `${value}n` : Object.is(value, -0) ? "-0" : JSON.stringify(value) ?? "undefined"}`;
      out.push({ label: label("eq"), run: async (db) => ks(await db.query("docs").withIndex(index, (q) => q.eq(field, value)).collect()) });
      for (const op of ["gt", "gte", "lt", "lte"] as const) {
        out.push({ label: label(op), run: async (db) => ks(await db.query("docs").withIndex(index, (q) => q[op](field, value)).collect()) });
        out.push({ label: `${label(op)} desc`, run: async (db) => ks(await db.query("docs").withIndex(index, (q) => q[op](field, value)).order("desc").take(5)) });
      }
    }
  }
  out.push(
    { label: "by_n between -Infinity and NaN", run: async (db) => ks(await db.query("docs").withIndex("by_n", (q) => q.gt("n", -Infinity).lt("n", NaN)).collect()) },
    { label: "by_n -0 <= n <= 0", run: async (db) => ks(await db.query("docs").withIndex("by_n", (q) => q.gte("n", -0).lte("n", 0)).collect()) },
    { label: "by_s a <= s < b", run: async (db) => ks(await db.query("docs").withIndex("by_s", (q) => q.gte("s", "a").lt("s", "b")).collect()) },
    { label: "by_s > a\\0", run: async (db) => ks(await db.query("docs").withIndex("by_s", (q) => q.gt("s", "a\u0000")).collect()) },
    { label: "by_s <= a\\0", run: async (db) => ks(await db.query("docs").withIndex("by_s", (q) => q.lte("s", "a\u0000")).collect()) },
    { label: "by_b_n eq true, n > 0", run: async (db) => ks(await db.query("docs").withIndex("by_b_n", (q) => q.eq("b", true).gt("n", 0)).collect()) },
    { label: "by_b_n eq undefined desc", run: async (db) => ks(await db.query("docs").withIndex("by_b_n", (q) => q.eq("b", undefined)).order("desc").collect()) },
    { label: "by_b_n eq false, eq -0", run: async (db) => ks(await db.query("docs").withIndex("by_b_n", (q) => q.eq("b", false).eq("n", -0)).collect()) },
    { label: "by_s_k eq b, k >= 10", run: async (db) => ks(await db.query("docs").withIndex("by_s_k", (q) => q.eq("s", "b").gte("k", 10)).collect()) },
    { label: "by_s_k desc", run: async (db) => ks(await db.query("docs").withIndex("by_s_k").order("desc").collect()) },
    { label: "filter n > 0 on by_s", run: async (db) => ks(await db.query("docs").withIndex("by_s").filter((q) => q.gt(q.field("n"), 0)).collect()) },
    { label: "filter s = b or i < 0", run: async (db) => ks(await db.query("docs").withIndex("by_n").filter((q) => q.or(q.eq(q.field("s"), "b"), q.lt(q.field("i"), 0n))).collect()) },
    { label: "filter n = -0", run: async (db) => ks(await db.query("docs").filter((q) => q.eq(q.field("n"), -0)).collect()) },
    { label: "filter b != undefined", run: async (db) => ks(await db.query("docs").filter((q) => q.neq(q.field("b"), undefined)).collect()) },
  );
  for (const index of ["by_s", "by_n", "by_i", "by_b", "by_r", "by_b_n", "by_s_k"]) {
    for (const order of ["asc", "desc"] as const) {
      out.push({
        label: `paginate ${index} ${order}`,
        run: async (db) => {
          const seen: number[] = [];
          let cursor: string | null = null;
          // bounded: a wrong keyset condition could repeat a page forever
          for (let pages = 0; pages < 30; pages++) {
            const page = await db.query("docs").withIndex(index).order(order).paginate({ numItems: 7, cursor });
            seen.push(...ks(page.page), -1);
            if (page.isDone) return seen;
            cursor = page.continueCursor;
          }
          return seen;
        },
      });
    }
  }
  return out;
}

async function answers(catalog: Catalog): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const query of queries()) out.set(query.label, await run(catalog, query.run));
  return out;
}

describe("reads after a switched promotion", () => {
  let expected: Map<string, number[]>;
  let cursors: { index: string; order: "asc" | "desc"; cursor: string; rest: number[] }[] = [];

  it("switches: the catalog reads the typed columns; storage is checked for the __c indexes", async () => {
    expected = await answers(before);
    expect(expected.get("by_n asc")).toHaveLength(60);
    // cursors made before the switch, with what they continue to
    cursors = [];
    for (const index of ["by_s", "by_n", "by_i", "by_b_n"]) {
      for (const order of ["asc", "desc"] as const) {
        const first = await run(before, (db) => db.query("docs").withIndex(index).order(order).paginate({ numItems: 11, cursor: null }));
        const rest = await run(before, async (db) => ks(await db.query("docs").withIndex(index).order(order).paginate({ numItems: 100, cursor: first.continueCursor }).then((p) => p.page)));
        cursors.push({ index, order, cursor: first.continueCursor, rest });
      }
    }
    await switchPromotions();
    after = await loadCatalog(database().driver, schema);
    const docs = after.tables.get("docs")!;
    expect([...docs.storage.promotedFields].sort()).toEqual(Object.entries(TYPES).sort());
    expect(docs.storage.version).toBe(before.tables.get("docs")!.storage.version);
    expect(docs.storage.keyColumns.has("s")).toBe(false);
    await requireStorage(database().driver, after);
    await requireStorage(database().driver, before);
  });

  it("gives exactly the same results for every query, and cursors made before the switch continue", async () => {
    const got = await answers(after);
    for (const [label, value] of expected) expect({ label, value: got.get(label) }).toEqual({ label, value });
    for (const { index, order, cursor, rest } of cursors) {
      const page = await run(after, (db) => db.query("docs").withIndex(index).order(order).paginate({ numItems: 100, cursor }));
      expect({ index, order, page: ks(page.page) }).toEqual({ index, order, page: rest });
    }
  });

  it("stays identical after writes through the switched catalog (the trigger fills the columns)", async () => {
    await run(after, async (db) => {
      await db.insert("docs", { k: 100, s: "b", n: -0, i: 2n ** 63n - 1n, b: false, r: ids[3]! });
      await db.insert("docs", { k: 101 });
      await db.patch(ids[1]!, { s: "ab", n: NaN, i: undefined, b: true });
      await db.replace(ids[2]!, { k: 2, n: -Infinity });
      await db.delete(ids[4]!);
    });
    const { rows } = await database().driver.query<{ n: string | number }>(`SELECT count(*) AS n FROM docs WHERE ${Object.entries(TYPES).map(([f, t]) => columnMismatchSql(t, f)).join(" OR ")}`);
    expect(Number(rows[0]!.n)).toBe(0);
    const [was, now] = [await answers(before), await answers(after)];
    expect(was.get("by_s asc")).toContain(100);
    for (const [label, value] of was) expect({ label, value: now.get(label) }).toEqual({ label, value });
  });

  it("refuses to serve when a column-backed index is missing, naming it", async () => {
    const name = promotedIndexName("docs", "by_i");
    await database().driver.query(`ALTER INDEX "${name}" RENAME TO "set_aside"`);
    try {
      await expect(requireStorage(database().driver, after)).rejects.toThrow(`column-backed index ${name} of docs.by_i`);
    } finally {
      await database().driver.query(`ALTER INDEX "set_aside" RENAME TO "${name}"`);
    }
  });

  it("compiles ranges and order to the column's index expressions; Postgres walks the __c index", async () => {
    await database().driver.query(`ANALYZE "public"."big"`);
    const statements: { sql: string; params: readonly unknown[] }[] = [];
    await run(after, (db) => db.query("big").withIndex("by_a", (q) => q.gt("a", "a1").lte("a", "a2")).take(20), (tx) => recordingQueryable(tx, statements));
    const first = await run(after, (db) => db.query("big").withIndex("by_a", (q) => q.eq("a", "a7")).order("desc").paginate({ numItems: 5, cursor: null }));
    await run(after, (db) => db.query("big").withIndex("by_a", (q) => q.eq("a", "a7")).order("desc").paginate({ numItems: 5, cursor: first.continueCursor }), (tx) => recordingQueryable(tx, statements));
    expect(statements[0]!.sql).toBe(
      `SELECT "_id", "_creation_time", "data" FROM "public"."big" WHERE ("a" IS NOT NULL), COALESCE("a", '')) > (TRUE, $1::text) AND (("a" IS NOT NULL), COALESCE("a", '')) <= (TRUE, $2::text) ORDER BY ("a" IS NOT NULL), COALESCE("a", ''), "_creation_time", "_id" LIMIT 20`.replace("WHERE (", "WHERE (("),
    );
    if (database().kind !== "pg") return;
    for (const statement of statements) {
      const { rows } = await database().driver.query<{ "QUERY PLAN": string }>(`EXPLAIN ${statement.sql}`, statement.params);
      const plan = rows.map((row) => row["QUERY PLAN"]).join("\n");
      expect(plan).toMatch(/Index Scan( Backward)? using big__by_a__c/);
      expect(plan).not.toMatch(/Seq Scan|Sort/);
    }
  });

  it("an eq read is one statement text for every value, which Postgres plans once (a generic plan)", async () => {
    const statements: { sql: string; params: readonly unknown[] }[] = [];
    let connection: Queryable | undefined;
    const prepared = await run(
      after,
      async (db) => {
        // one transaction: one connection, where the driver prepares each statement text once
        for (let i = 0; i < 12; i++) await db.query("big").withIndex("by_a", (q) => q.eq("a", `a${String(i % 4)}`)).take(5);
        if (database().kind !== "pg") return null;
        const { rows } = await connection!.query<{ generic: string }>(`SELECT generic_plans::text AS generic FROM pg_prepared_statements WHERE statement = $1`, [statements[0]!.sql]);
        return rows;
      },
      (tx) => {
        connection = tx;
        return recordingQueryable(tx, statements);
      },
    );
    expect(new Set(statements.slice(0, 12).map((s) => s.sql)).size).toBe(1);
    expect(statements.slice(0, 4).map((s) => s.params)).toEqual([["a0"], ["a1"], ["a2"], ["a3"]]);
    if (prepared !== null) expect(Number(prepared[0]?.generic)).toBeGreaterThan(0);
  });
});

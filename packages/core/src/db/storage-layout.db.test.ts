import { beforeAll, describe, expect, it } from "vitest";
import { ensureStorageFor, useTestDatabase } from "../../test/helpers/test-database.js";
import type { Queryable } from "../driver/index.js";
import { isFrameworkError } from "../errors/index.js";
import { defineSchema, defineTable, type SchemaDefinition } from "../schema/index.js";
import { ensureSchema } from "../schema-sync/ensure-schema.js";
import { AccessLog } from "../storage/access-log.js";
import type { Catalog } from "../storage/catalog.js";
import { loadCursorSecret } from "../storage/storage-check.js";
import { loadCatalog } from "../storage/load-catalog.js";
import { DOCUMENT_STORAGE, tableStorage } from "../storage/table-storage.js";
import { COLUMNS_TABLE, createIndexSql, createTableSql } from "../storage/layout.js";
import { v } from "../values/index.js";
import { createDatabase, type DatabaseImpl } from "./index.js";

/**
 * The catalog owns field storage: the same documents and operations give identical results
 * whether a field lives in the `jsonb` document column (`plain`) or in a native column of its
 * own (`promoted`: `score` in column `score_col`, recorded in `convoy.columns` and created by
 * hand here, as M4's promotion would). Nothing but the catalog knows the difference.
 */
const fields = { name: v.string(), score: v.optional(v.number()), note: v.optional(v.string()) };
const schema = defineSchema({
  plain: defineTable(fields).index("by_score", ["score"]),
  promoted: defineTable(fields).index("by_score", ["score"]),
});
const PROMOTED = new Map([["score", "score_col"]]);

const database = useTestDatabase();

/** Applies a schema through the planner; the descriptions of the statements it ran. */
async function applySchema(target: SchemaDefinition): Promise<string[]> {
  const { driver } = database();
  const result = await ensureSchema({ driver, ...ensureStorageFor(driver) }, target);
  return result.outcome === "applied" ? result.plan.steps.flatMap((step) => step.statements.map((statement) => statement.description)) : [];
}
let catalog: Catalog;
let cursorSecret: string;

beforeAll(async () => {
  const { driver } = database();
  // convoy's bookkeeping and the plain table through the planner, then the promoted table by hand
  await applySchema(defineSchema({ plain: schema.tables.plain }));
  const storage = tableStorage(PROMOTED, ["score"]);
  await driver.query(createTableSql("public", "promoted", storage));
  await driver.query(createIndexSql("public", "promoted", "by_creation_time", [], { storage }));
  await driver.query(createIndexSql("public", "promoted", "by_score", ["score"], { storage }));
  await driver.query(`INSERT INTO ${COLUMNS_TABLE} (pg_schema, table_name, field, column_name) VALUES ('public', 'promoted', 'score', 'score_col')`);
  cursorSecret = await loadCursorSecret(driver);
  catalog = await loadCatalog(driver, schema);
});

function run<T>(fn: (db: DatabaseImpl, tx: Queryable) => Promise<T>, withCatalog: Catalog = catalog): Promise<T> {
  return database().driver.transaction({ isolation: "serializable" }, (tx) => fn(createDatabase({ tx, catalog: withCatalog, log: new AccessLog(), writable: true, cursorSecret }), tx));
}

/** A document without its system fields (ids differ between the two tables). */
const userFields = (doc: Record<string, unknown> | null) => {
  if (doc === null) return null;
  const { _id, _creationTime, ...rest } = doc;
  expect(typeof _id).toBe("string");
  expect(typeof _creationTime).toBe("number");
  return rest;
};

/** Every operation of ctx.db on one table; returns what each one saw. */
async function scenario(table: "plain" | "promoted"): Promise<unknown[]> {
  const seen: unknown[] = [];
  await run(async (db) => {
    const ada = await db.insert(table, { name: "ada", score: 3, note: "x" });
    const bob = await db.insert(table, { name: "bob", score: 1 });
    const cy = await db.insert(table, { name: "cy" });
    const dee = await db.insert(table, { name: "dee", score: 2 });
    seen.push(userFields(await db.get(ada)), userFields(await db.get(cy)));
    seen.push((await db.query(table).collect()).map(userFields));
    seen.push((await db.query(table).withIndex("by_score").collect()).map(userFields));
    seen.push((await db.query(table).withIndex("by_score", (q) => q.gte("score", 2)).order("desc").collect()).map(userFields));
    seen.push((await db.query(table).withIndex("by_score", (q) => q.eq("score", undefined)).collect()).map(userFields));
    seen.push((await db.query(table).filter((q) => q.gt(q.field("score"), 1)).collect()).map(userFields));
    seen.push((await db.query(table).filter((q) => q.and(q.neq(q.field("score"), undefined), q.eq(q.add(q.field("score"), 1), 2))).collect()).map(userFields));
    seen.push(await db.query(table).withIndex("by_score", (q) => q.gt("score", 1)).count());
    await db.patch(ada, { score: 10 });
    await db.patch(bob, { score: undefined, note: "y" });
    await db.patch(cy, { score: 5 });
    await db.replace(dee, { name: "dee", note: "z" });
    seen.push((await db.query(table).withIndex("by_score").collect()).map(userFields));
    seen.push(userFields(await db.get(bob)), userFields(await db.get(dee)));
    const first = await db.query(table).withIndex("by_score").paginate({ numItems: 2, cursor: null });
    const second = await db.query(table).withIndex("by_score").paginate({ numItems: 2, cursor: first.continueCursor });
    seen.push(first.page.map(userFields), second.page.map(userFields), second.isDone);
    await db.delete(cy);
    seen.push((await db.query(table).collect()).map(userFields));
  });
  return seen;
}

describe("a field stored in a native column", () => {
  it("sync checks columns and index definitions against the layout: the promoted table is adopted as it is", async () => {
    const steps = await applySchema(schema);
    // the hand-built indexes match the definitions the layout gives: adopted, not rebuilt
    expect(steps).toEqual([
      "register table promoted",
      "record the definition of promoted.by_creation_time",
      "record the definition of promoted.by_score",
      "record the schema hash and JSON",
    ]);
    expect(await applySchema(schema)).toEqual([]);
  });

  it("loads the layout from convoy.columns into the catalog", () => {
    const plain = catalog.tables.get("plain")!.storage;
    expect(plain.columns).toEqual(DOCUMENT_STORAGE.columns);
    expect(plain.version).toBe(DOCUMENT_STORAGE.version);
    const storage = catalog.tables.get("promoted")!.storage;
    expect([...storage.fieldColumns]).toEqual([["score", "score_col"]]);
    expect(storage.columns).toEqual(["_id", "_creation_time", "data", "score_col"]);
    expect(storage.version).not.toBe(DOCUMENT_STORAGE.version);
    // each indexed field has a key column, named after the column the field lives in
    expect([...plain.keyColumns.keys()]).toEqual(["score"]);
    expect(storage.keyColumns.get("score")).not.toBe(plain.keyColumns.get("score"));
  });

  it("insert, get, query, withIndex, filter, count, patch, replace, paginate and delete give identical results", async () => {
    const plain = await scenario("plain");
    const promoted = await scenario("promoted");
    expect(promoted).toEqual(plain);
    expect(plain[3]).toEqual([{ name: "cy" }, { name: "bob", score: 1 }, { name: "dee", score: 2 }, { name: "ada", score: 3, note: "x" }]);
  });

  it("stores the field in its column, not in the document", async () => {
    const { rows } = await database().driver.query<{ data: Record<string, unknown>; score_col: unknown }>(`SELECT data, score_col FROM "promoted" WHERE data->>'name' = 'ada'`);
    expect(rows[0]).toEqual({ data: { name: "ada", note: "x" }, score_col: 10 });
    const { rows: missing } = await database().driver.query<{ score_col: unknown }>(`SELECT score_col FROM "promoted" WHERE data->>'name' = 'bob'`);
    expect(missing[0]!.score_col).toBeNull();
  });

  it("walks the index built on the column", async () => {
    const sql = await run((db) => Promise.resolve(db.query("promoted").withIndex("by_score", (q) => q.gt("score", 1)).compile({ limit: 5 })));
    const { rows } = await database().driver.query<{ "QUERY PLAN": string }>(`EXPLAIN (COSTS OFF) ${sql.sql}`, sql.params);
    const plan = rows.map((row) => row["QUERY PLAN"]).join("\n");
    expect(sql.sql).toContain(`"${catalog.tables.get("promoted")!.storage.keyColumns.get("score")!}"`);
    const { rows: generated } = await database().driver.query<{ expression: string }>(
      `SELECT generation_expression AS expression FROM information_schema.columns WHERE table_name = 'promoted' AND is_generated = 'ALWAYS'`,
    );
    expect(generated.map((row) => row.expression)).toEqual(["convoy.sort_key_v1(score_col)"]);
    expect(plan).toMatch(/Index Scan using promoted__by_score/);
    expect(plan).not.toMatch(/Sort/);
  });

  it("rejects a cursor made before the field moved, saying the storage changed", async () => {
    const before = { ...catalog, tables: new Map(catalog.tables) };
    before.tables.set("promoted", { ...catalog.tables.get("promoted")!, storage: DOCUMENT_STORAGE });
    const cursor = await run(async (db) => (await db.query("promoted").paginate({ numItems: 1, cursor: null })).continueCursor, before);
    let error: unknown;
    try {
      await run(async (db) => db.query("promoted").paginate({ numItems: 1, cursor }));
    } catch (caught) {
      error = caught;
    }
    expect(isFrameworkError(error) && error.code).toBe("BAD_REQUEST");
    expect((error as Error).message).toMatch(/storage changed/);
    // the same cursor under the layout it was made with still works
    await run(async (db) => expect((await db.query("promoted").paginate({ numItems: 1, cursor })).page).toHaveLength(1), before);
  });
});

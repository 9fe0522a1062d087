import { describe, expect, it } from "vitest";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import { v } from "../../src/values/v.js";
import { formatPlan, readPlan, readSyncLog, syncSchema } from "../../src/schema-sync/index.js";
import { useTestDatabase } from "../helpers/test-database.js";
import { catalogSnapshot, insertDocuments, syncDriver } from "./sync-helpers.js";

const v1 = defineSchema({
  messages: defineTable({ author: v.string(), body: v.string() }).index("by_author", ["author"]),
  users: defineTable({ name: v.string() }),
});

describe("convoy sync: plan, dry run, apply, never drop", () => {
  const db = useTestDatabase();

  async function withSync<T>(fn: (driver: Awaited<ReturnType<typeof syncDriver>>["driver"]) => Promise<T>): Promise<T> {
    const session = await syncDriver(db());
    try {
      return await fn(session.driver);
    } finally {
      await session.close();
    }
  }

  it("--dry-run plans every step with its SQL and lock, and changes nothing", async () => {
    const before = await catalogSnapshot(db().driver);
    const result = await withSync((driver) => syncSchema(driver, v1, { mode: "dry-run" }));
    expect(result.outcome).toBe("planned");
    expect(result.plan.steps.map((s) => s.kind)).toEqual([
      "bookkeeping",
      "create_table",
      "create_index",
      "create_index",
      "create_table",
      "create_index",
      "record_schema",
    ]);
    expect(result.plan.databaseHash).toBeNull();
    const text = formatPlan(result.plan);
    expect(text).toContain('CREATE TABLE IF NOT EXISTS "public"."messages"');
    expect(text).toContain("-- lock: SHARE on public.messages: reads continue, writes wait");
    expect(await catalogSnapshot(db().driver)).toEqual(before);
  });

  it("applies the plan, logs it, and then has nothing to do", async () => {
    const result = await withSync((driver) => syncSchema(driver, v1));
    expect(result.outcome).toBe("applied");
    expect(result.results.every((r) => r.status === "applied")).toBe(true);
    const again = await withSync((driver) => driver.transaction({}, (tx) => readPlan(tx, v1, { pgSchema: "public", allowDrop: false, concurrent: driver.kind === "pg" })));
    expect(again.steps).toEqual([]);
    expect(again.databaseHash).toBe(v1.hash);
    expect((await withSync((driver) => syncSchema(driver, v1))).outcome).toBe("up-to-date");

    const [entry, ...rest] = await readSyncLog(db().driver);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ source: "sync", schemaHash: v1.hash, outcome: "applied", convoyVersion: "0.1.0" });
    expect(entry!.host).not.toBe("");
    expect(entry!.sql).toContain('CREATE INDEX IF NOT EXISTS "messages__by_author"');
    expect(entry!.plan.steps).toHaveLength(result.plan.steps.length);
    expect(entry!.finishedAt!.getTime()).toBeGreaterThanOrEqual(entry!.startedAt.getTime());
  });

  it("keeps removed tables, indexes and fields unless --allow-drop, which drops exactly those", async () => {
    const ids = await insertDocuments(db().driver, "messages", [
      { author: "ada", body: "hi" },
      { author: "bob", body: "yo" },
    ]);
    await insertDocuments(db().driver, "users", [{ name: "ada" }]);

    // users and messages.by_author gone from the code: kept, not dropped
    const v2 = defineSchema({ messages: defineTable({ author: v.string(), body: v.string() }) });
    const kept = await withSync((driver) => syncSchema(driver, v2));
    expect(kept.outcome).toBe("applied");
    expect(kept.plan.steps.map((s) => s.kind)).toEqual(["record_schema"]);
    expect(kept.plan.kept).toEqual([
      { kind: "index", table: "messages", name: "by_author" },
      { kind: "key_column", table: "messages", name: "_key_author_6fa4dac9" },
      { kind: "table", table: "users" },
    ]);
    expect(formatPlan(kept.plan)).toContain("kept, not dropped: index messages.by_author, key_column messages._key_author_6fa4dac9, table users");

    // and the field body: refused (documents have it), nothing changes
    const v3 = defineSchema({ messages: defineTable({ author: v.string() }) });
    const before = await catalogSnapshot(db().driver);
    const refused = await withSync((driver) => syncSchema(driver, v3));
    expect(refused.outcome).toBe("refused");
    expect(refused.plan.kept).toContainEqual({ kind: "field", table: "messages", name: "body" });
    expect(refused.checks).toEqual([expect.objectContaining({ table: "messages", checked: 2, failing: 2 })]);
    expect(await catalogSnapshot(db().driver)).toEqual(before);

    // --allow-drop: exactly the table, the index (and its key column) and the field go
    const dropped = await withSync((driver) => syncSchema(driver, v3, { allowDrop: true }));
    expect(dropped.outcome).toBe("applied");
    expect(dropped.plan.steps.map((s) => s.kind).sort()).toEqual(["check_documents", "drop_field", "drop_index", "drop_key_column", "drop_table", "record_schema"]);
    expect(dropped.plan.kept).toEqual([]);
    const tables = await db().driver.query<{ relname: string }>(`SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE nspname = 'public' ORDER BY relname`);
    expect(tables.rows.map((r) => r.relname)).toEqual(["messages", "messages__by_creation_time", "messages_pkey"]);
    const docs = await db().driver.query<{ _id: string; data: unknown }>(`SELECT _id, data FROM messages ORDER BY data->>'author'`);
    expect(docs.rows).toEqual([
      { _id: ids[0], data: { author: "ada" } },
      { _id: ids[1], data: { author: "bob" } },
    ]);
    expect((await db().driver.query(`SELECT 1 FROM convoy.tables WHERE table_name = 'users'`)).rows).toEqual([]);
  });

  it("refuses a validator change that existing documents violate, with the count and ids, unless --force", async () => {
    const start = defineSchema({ messages: defineTable({ author: v.string() }), people: defineTable({ name: v.string(), age: v.optional(v.number()) }) });
    expect((await withSync((driver) => syncSchema(driver, start))).outcome).toBe("applied");
    await insertDocuments(db().driver, "people", [{ name: "a", age: 1 }, { name: "b", age: 2 }, { name: "c", age: 3 }]);
    const bad = await insertDocuments(db().driver, "people", [{ name: "d" }, { name: "e" }, { name: "f", age: "old" }, { name: "g" }]);

    const stricter = defineSchema({ messages: defineTable({ author: v.string() }), people: defineTable({ name: v.string(), age: v.number() }) });
    const before = await catalogSnapshot(db().driver);
    const refused = await withSync((driver) => syncSchema(driver, stricter, { batchSize: 2 }));
    expect(refused.outcome).toBe("refused");
    expect(refused.plan.steps.find((s) => s.kind === "check_documents")).toMatchObject({ table: "people", reason: "validator_changed" });
    const [check] = refused.checks;
    expect(check).toMatchObject({ table: "people", checked: 7, failing: 4 });
    expect(check!.examples.map((e) => e.id).sort()).toEqual([...bad].sort());
    expect(check!.examples.find((e) => e.id === bad[2])!.message).toMatch(/age.*expected float64|number/);
    expect(await catalogSnapshot(db().driver)).toEqual(before);

    const forced = await withSync((driver) => syncSchema(driver, stricter, { force: true }));
    expect(forced.outcome).toBe("applied");
    expect(forced.checks[0]!.failing).toBe(4);
    expect((await withSync((driver) => syncSchema(driver, stricter))).outcome).toBe("up-to-date");
  });

  it("replaces an index whose fields change: the new one is built before the old one goes", async () => {
    const before = defineSchema({ messages: defineTable({ author: v.string() }).index("by_author", ["author"]) });
    expect((await withSync((driver) => syncSchema(driver, before))).outcome).toBe("applied");
    const after = defineSchema({ messages: defineTable({ author: v.string(), body: v.optional(v.string()) }).index("by_author", ["author", "body"]) });
    const result = await withSync((driver) => syncSchema(driver, after));
    expect(result.outcome).toBe("applied");
    const replace = result.plan.steps.find((s) => s.kind === "replace_index")!;
    const sql = replace.statements.map((s) => s.sql);
    const built = sql.findIndex((s) => s.startsWith("CREATE INDEX"));
    const dropped = sql.findIndex((s) => s.startsWith("DROP INDEX"));
    expect(built).toBeGreaterThanOrEqual(0);
    expect(built).toBeLessThan(dropped);
    expect(sql[built]).toContain(db().kind === "pg" ? "CREATE INDEX CONCURRENTLY" : "CREATE INDEX IF NOT EXISTS");
    const indexes = await db().driver.query<{ relname: string; def: string; valid: boolean }>(
      `SELECT i.relname, pg_get_indexdef(i.oid) AS def, x.indisvalid AS valid FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = 'public.messages'::regclass ORDER BY 1`,
    );
    expect(indexes.rows.map((r) => r.relname)).toEqual(["messages__by_author", "messages__by_creation_time", "messages_pkey"]);
    const byAuthor = indexes.rows.find((r) => r.relname === "messages__by_author")!;
    expect(byAuthor.valid).toBe(true);
    expect(byAuthor.def).toContain("USING btree (_key_author_6fa4dac9, _key_body_6f38a8a1, _creation_time, _id)");
  });

  it("adopts an index built without a recorded definition when Postgres renders it the same", async () => {
    await db().driver.query(`COMMENT ON INDEX public.messages__by_author IS NULL`);
    const schema = defineSchema({ messages: defineTable({ author: v.string(), body: v.optional(v.string()) }).index("by_author", ["author", "body"]) });
    const result = await withSync((driver) => syncSchema(driver, schema));
    expect(result.plan.steps.map((s) => s.kind)).toEqual(["record_index", "record_schema"]);
    expect(result.outcome).toBe("applied");
    expect((await withSync((driver) => syncSchema(driver, schema))).outcome).toBe("up-to-date");
  });

  it("runs two syncs at once: one applies, the other waits and finds nothing to do", async () => {
    const schema = defineSchema({
      messages: defineTable({ author: v.string(), body: v.optional(v.string()) }).index("by_author", ["author", "body"]),
      racers: defineTable({ n: v.number() }).index("by_n", ["n"]),
    });
    const [a, b] = await Promise.all([withSync((driver) => syncSchema(driver, schema)), withSync((driver) => syncSchema(driver, schema))]);
    expect([a.outcome, b.outcome].sort()).toEqual(["applied", "up-to-date"]);
    const log = await readSyncLog(db().driver, 100);
    expect(log.filter((e) => e.schemaHash === schema.hash && e.outcome === "applied")).toHaveLength(1);
  });
});

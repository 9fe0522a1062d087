import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { v } from "../values/v.js";
import { newCreationTime, newId } from "../storage/ids.js";
import { loadCursorSecret } from "../storage/storage-check.js";
import { toStored } from "../storage/stored-value.js";
import { ensureSchema } from "./ensure-schema.js";
import type { SyncResult } from "./run-sync.js";

const schema = defineSchema({
  messages: defineTable({ author: v.string(), body: v.string(), profile: v.optional(v.object({ city: v.string() })) })
    .index("by_author", ["author"])
    .index("by_city_author", ["profile.city", "author"]),
  users: defineTable({ name: v.string() }),
});

/** The statements an ensure ran (none when the database was up to date). */
function statementsRun(result: SyncResult): string[] {
  if (result.outcome !== "applied") return [];
  return result.plan.steps.flatMap((step) => step.statements.map((statement) => statement.description));
}

describe("ensureSchema (the dev/test opt-in, through convoy sync's code path)", () => {
  const db = useTestDatabase();
  const ensure = (target: Parameters<typeof ensureSchema>[1]) => ensureSchema({ driver: db().driver, databaseUrl: db().databaseUrl }, target).then(statementsRun);

  it("creates plain tables with a jsonb document, system columns and a generated key column per indexed field", async () => {
    const steps = await ensure(schema);
    expect(steps.length).toBeGreaterThan(0);
    const { rows } = await db().driver.query<{ table_name: string; column_name: string; data_type: string; collation_name: string | null }>(
      `SELECT table_name, column_name, data_type, collation_name FROM information_schema.columns
       WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
    );
    const columns = (table: string) => rows.filter((r) => r.table_name === table).map((r) => [r.column_name, r.data_type, r.collation_name]);
    const system = [
      ["_id", "text", "C"],
      ["_creation_time", "double precision", null],
      ["data", "jsonb", null],
    ];
    expect(columns("users")).toEqual(system);
    expect(columns("messages")).toEqual([...system, ["_key_author_6fa4dac9", "bytea", null], ["_key_profile_city_26982359", "bytea", null]]);
    const { rows: generated } = await db().driver.query<{ column_name: string; generation_expression: string }>(
      `SELECT column_name, generation_expression FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'messages' AND is_generated = 'ALWAYS' ORDER BY column_name`,
    );
    expect(generated.map((r) => [r.column_name, r.generation_expression.replace(/\s+/g, " ")])).toEqual([
      ["_key_author_6fa4dac9", "convoy.sort_key_v1((data -> 'author'::text))"],
      ["_key_profile_city_26982359", "convoy.sort_key_v1(((data -> 'profile'::text) -> 'city'::text))"],
    ]);
  });

  it("creates a btree per index over the key columns, _creation_time and _id", async () => {
    const { rows } = await db().driver.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'messages' ORDER BY indexname`,
    );
    expect(rows.map((r) => r.indexname)).toEqual(["messages__by_author", "messages__by_city_author", "messages__by_creation_time", "messages_pkey"]);
    const def = (name: string) => rows.find((r) => r.indexname === name)!.indexdef.replace(/\s+/g, " ");
    expect(def("messages__by_author")).toContain("USING btree (_key_author_6fa4dac9, _creation_time, _id)");
    expect(def("messages__by_city_author")).toContain("USING btree (_key_profile_city_26982359, _key_author_6fa4dac9, _creation_time, _id)");
    expect(def("messages__by_creation_time")).toContain("USING btree (_creation_time, _id)");
    expect(def("messages_pkey")).toContain("UNIQUE INDEX messages_pkey ON public.messages USING btree (_id)");
  });

  it("keeps its bookkeeping in the convoy schema, apart from the user's tables", async () => {
    const { rows } = await db().driver.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'convoy' ORDER BY table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(["columns", "crons", "meta", "promotions", "request_log", "scheduled_functions", "sync_log", "tables"]);
    const registered = await db().driver.query<{ table_name: string }>("SELECT table_name FROM convoy.tables ORDER BY table_name");
    expect(registered.rows.map((r) => r.table_name)).toEqual(["messages", "users"]);
    expect(await loadCursorSecret(db().driver)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("adds convoy.promotions to a database whose bookkeeping predates it", async () => {
    await db().driver.query("DROP TABLE convoy.promotions");
    const steps = await ensure(schema);
    expect(steps.filter((step) => step.startsWith("create"))).toEqual(["create the promotions table convoy.promotions (convoy promote)"]);
    const { rows } = await db().driver.query<{ ok: boolean }>("SELECT to_regclass('convoy.promotions') IS NOT NULL AS ok");
    expect(rows[0]!.ok).toBe(true);
  });

  it("adds the scheduler's tables to a database whose bookkeeping predates them", async () => {
    await db().driver.query("DROP TABLE convoy.scheduled_functions, convoy.crons");
    const steps = await ensure(schema);
    expect(steps.filter((step) => step.startsWith("create"))).toEqual(Array(3).fill("create the scheduler's tables convoy.scheduled_functions and convoy.crons"));
    const { rows } = await db().driver.query<{ ok: boolean }>("SELECT to_regclass('convoy.scheduled_functions') IS NOT NULL AND to_regclass('convoy.crons') IS NOT NULL AS ok");
    expect(rows[0]!.ok).toBe(true);
  });

  it("adds the request log (/api/sync) to a database whose bookkeeping predates it", async () => {
    await db().driver.query("DROP TABLE convoy.request_log");
    const steps = await ensure(schema);
    expect(steps).toContain("create the request log convoy.request_log (/api/sync mutation ids)");
    expect(steps.filter((step) => step.startsWith("create"))).toHaveLength(1);
    const { rows } = await db().driver.query<{ ok: boolean }>("SELECT to_regclass('convoy.request_log') IS NOT NULL AS ok");
    expect(rows[0]!.ok).toBe(true);
  });

  it("is idempotent: a second ensure runs nothing and changes nothing", async () => {
    const before = await db().driver.query("SELECT relname, relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE nspname IN ('public', 'convoy') ORDER BY relname");
    const secret = await loadCursorSecret(db().driver);
    expect(await ensure(schema)).toEqual([]);
    const after = await db().driver.query("SELECT relname, relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE nspname IN ('public', 'convoy') ORDER BY relname");
    expect(after.rows).toEqual(before.rows);
    expect(await loadCursorSecret(db().driver)).toBe(secret);
  });

  it("adds only what is missing when the schema grows", async () => {
    const grown = defineSchema({ ...schema.tables, tags: defineTable({ label: v.string() }).index("by_label", ["label"]) });
    const steps = await ensure(grown);
    // The DDL, plus the records the sync planner keeps: each index's definition and the schema hash.
    expect(steps).toEqual([
      "create table tags",
      "register table tags",
      "create index tags.by_creation_time",
      "record the definition of tags.by_creation_time",
      "create index tags.by_label",
      "record the definition of tags.by_label",
      "record the schema hash and JSON",
    ]);
  });

  it("stores documents that plain SQL can read and that the indexes serve", async () => {
    const id = newId("messages");
    await db().driver.query(`INSERT INTO messages (_id, _creation_time, data) VALUES ($1, $2, $3::jsonb)`, [
      id,
      newCreationTime(),
      toStored({ author: "ada", body: "hi", profile: { city: "Oslo" } }),
    ]);
    const { rows } = await db().driver.query<{ author: string; city: string }>(
      `SELECT data->>'author' AS author, data#>>'{profile,city}' AS city FROM messages WHERE _id = $1`,
      [id],
    );
    expect(rows).toEqual([{ author: "ada", city: "Oslo" }]);
  });

  it("runs concurrently without racing (advisory lock)", async () => {
    const fresh = defineSchema({ racers: defineTable({ n: v.number() }).index("by_n", ["n"]) });
    const results = await Promise.all([ensure(fresh), ensure(fresh)]);
    // create + register the table, two indexes with their recorded definitions, the schema hash
    expect(results.map((steps) => steps.length).sort()).toEqual([0, 7]);
  });
});

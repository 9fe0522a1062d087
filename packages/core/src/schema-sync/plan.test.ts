import { describe, expect, it } from "vitest";
import { defineSchema, defineTable } from "../schema/index.js";
import { v } from "../values/v.js";
import { indexDefinition } from "../storage/layout.js";
import { tableStorage } from "../storage/table-storage.js";
import type { IndexComment } from "./ddl.js";
import type { DatabaseState, IntrospectedIndex, IntrospectedTable } from "./introspect.js";
import { planSync } from "./plan.js";
import { SyncError } from "./sync-error.js";

const schema = defineSchema({ messages: defineTable({ author: v.string(), body: v.string() }).index("by_author", ["author"]) });

const COLUMNS = [
  { name: "_id", type: "text", collation: "C" },
  { name: "_creation_time", type: "double precision", collation: null },
  { name: "data", type: "jsonb", collation: null },
];

/** The generated key column of `author` (see table-storage.ts). */
const AUTHOR_KEY = tableStorage(undefined, ["author"]).keyColumns.get("author")!;
const KEY_COLUMNS = [{ name: AUTHOR_KEY, type: "bytea", collation: null, generated: true }];

function index(table: string, name: string, fields: string[], extra: Partial<IntrospectedIndex> = {}, layout: "keys" | "expressions" = "keys"): IntrospectedIndex {
  const definition = indexDefinition(fields, layout === "keys" ? tableStorage(undefined, fields) : undefined);
  const recorded: IndexComment = { convoy: 1, table, index: name, fields, definition };
  return { name: `${table}__${name}`, definition: `CREATE INDEX ${table}__${name} ON public.${table} USING btree (…)`, valid: true, primary: false, recorded, ...extra };
}

function state(tables: IntrospectedTable[], extra: Partial<DatabaseState> = {}): DatabaseState {
  return {
    pgSchema: "public",
    hasBookkeeping: true,
    hasSortKeyFunction: true,
    hasFilterFunctions: true,
    hasUserSchema: true,
    registeredTables: new Set(tables.map((t) => t.name)),
    storedHash: schema.hash,
    storedSchema: schema.json,
    tables: new Map(tables.map((t) => [t.name, t])),
    canonicalDefinitions: new Map(),
    ...extra,
  };
}

const synced = (): IntrospectedTable => ({
  name: "messages",
  columns: [...COLUMNS, ...KEY_COLUMNS],
  indexes: [index("messages", "by_creation_time", []), index("messages", "by_author", ["author"])],
});

describe("planSync", () => {
  it("plans nothing when the database matches", () => {
    expect(planSync(state([synced()]), schema.json, schema.hash, { concurrent: true }).steps).toEqual([]);
  });

  it("plans everything on an empty database, ending with the schema record", () => {
    const plan = planSync(state([], { hasBookkeeping: false, hasSortKeyFunction: false, hasFilterFunctions: false, storedHash: null, storedSchema: null }), schema.json, schema.hash);
    expect(plan.steps.map((s) => s.kind)).toEqual(["bookkeeping", "create_table", "create_index", "create_index", "record_schema"]);
  });

  it("migrates a table of the expression-index layout: adds the key columns in one ALTER, then replaces the indexes", () => {
    const old: IntrospectedTable = { name: "messages", columns: COLUMNS, indexes: [index("messages", "by_creation_time", []), index("messages", "by_author", ["author"], {}, "expressions")] };
    const plan = planSync(state([old]), schema.json, schema.hash, { concurrent: true });
    expect(plan.steps.map((s) => s.kind)).toEqual(["add_key_columns", "replace_index", "record_schema"]);
    const add = plan.steps[0]!.statements;
    expect(add).toHaveLength(1);
    expect(add[0]).toMatchObject({ lock: "ACCESS EXCLUSIVE", concurrent: false });
    expect(add[0]!.sql).toBe(`ALTER TABLE "public"."messages" ADD COLUMN IF NOT EXISTS "${AUTHOR_KEY}" bytea GENERATED ALWAYS AS (convoy.sort_key_v1("data"->'author')) STORED`);
    expect(plan.steps[1]!.statements[0]!.sql).toContain(`("${AUTHOR_KEY}", "_creation_time", "_id")`);
  });

  it("refuses a column named like a key column that is not a generated one", () => {
    const table = { ...synced(), columns: [...COLUMNS, { name: AUTHOR_KEY, type: "bytea", collation: null }] };
    expect(() => planSync(state([table]), schema.json, schema.hash)).toThrow(SyncError);
  });

  it("rebuilds an INVALID index, concurrently on a real server", () => {
    const table = synced();
    table.indexes[1] = { ...table.indexes[1]!, valid: false };
    const [step] = planSync(state([table]), schema.json, schema.hash, { concurrent: true }).steps;
    expect(step).toMatchObject({ kind: "rebuild_invalid_index", index: "by_author" });
    expect(step!.statements.map((s) => s.sql.split(" (")[0])).toEqual([
      'DROP INDEX CONCURRENTLY IF EXISTS "public"."messages__by_author"',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "messages__by_author" ON "public"."messages"',
      expect.stringContaining("COMMENT ON INDEX"),
    ]);
  });

  it("replaces an index whose recorded definition differs: build new, swap, then drop old", () => {
    const table = synced();
    table.indexes[1] = index("messages", "by_author", ["body"]);
    const [step] = planSync(state([table]), schema.json, schema.hash, { concurrent: true }).steps;
    expect(step!.kind).toBe("replace_index");
    expect(step!.statements.map((s) => s.sql.split(" ").slice(0, 3).join(" "))).toEqual([
      "CREATE INDEX CONCURRENTLY",
      "COMMENT ON INDEX",
      "ALTER INDEX \"public\".\"messages__by_author\"",
      expect.stringMatching(/^ALTER INDEX "public"."convoy_new_/),
      "DROP INDEX CONCURRENTLY",
    ]);
    expect(step!.statements[2]!.concurrent).toBe(false);
  });

  it("keeps what the schema removed unless allowDrop", () => {
    const smaller = defineSchema({ messages: defineTable({ author: v.string() }) });
    const plan = planSync(state([synced(), { name: "users", columns: COLUMNS, indexes: [] }]), smaller.json, smaller.hash);
    expect(plan.kept).toEqual([
      { kind: "index", table: "messages", name: "by_author" },
      { kind: "field", table: "messages", name: "body" },
      { kind: "key_column", table: "messages", name: AUTHOR_KEY },
      { kind: "table", table: "users" },
    ]);
    expect(plan.steps.map((s) => s.kind)).toEqual(["check_documents", "record_schema"]);
    const dropping = planSync(state([synced(), { name: "users", columns: COLUMNS, indexes: [] }]), smaller.json, smaller.hash, { allowDrop: true });
    expect(dropping.kept).toEqual([]);
    expect(dropping.steps.map((s) => s.kind)).toEqual(["drop_index", "drop_field", "check_documents", "drop_key_column", "drop_table", "record_schema"]);
  });

  it("refuses a table of the same name that is not Convoy's", () => {
    expect(() => planSync(state([{ name: "messages", columns: [{ name: "id", type: "integer", collation: null }], indexes: [] }]), schema.json, schema.hash)).toThrow(SyncError);
  });
});

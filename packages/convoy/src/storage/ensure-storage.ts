import type { Queryable, Driver } from "../driver/index.js";
import type { SchemaJSON } from "../schema/schema-json.js";
import { indexColumnsSql, ID_COLUMN, CREATION_TIME_COLUMN, DATA_COLUMN } from "./field-expression.js";
import { indexNameFor } from "./index-names.js";
import { CONVOY_SCHEMA, SORT_KEY_FUNCTION, SORT_KEY_FUNCTION_SQL } from "./sql/sort-key-function.js";
import { ARITH_FUNCTION, DB_FUNCTIONS_SQL } from "./sql/filter-functions.js";
import { qualified, quoteIdent } from "./sql/identifiers.js";

/** Where Convoy's tables live. */
export interface StorageOptions {
  /** The Postgres schema of the user's tables (default `public`). */
  schema?: string;
}

/** One DDL statement that "ensure" ran, with what it was for. */
export interface EnsureStep {
  description: string;
  sql: string;
  params?: unknown[];
}

/** Postgres schema used for user tables when none is configured. */
export const DEFAULT_PG_SCHEMA = "public";
const ENSURE_LOCK_KEY = 0x636f6e76; // "conv": one ensure or sync at a time per database

/** SQL of Convoy's bookkeeping schema: created once per database. */
const BOOKKEEPING_SQL = [
  `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(CONVOY_SCHEMA)}`,
  `CREATE TABLE IF NOT EXISTS ${qualified(CONVOY_SCHEMA, "tables")} (
     pg_schema text NOT NULL,
     table_name text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (pg_schema, table_name)
   )`,
  `CREATE TABLE IF NOT EXISTS ${qualified(CONVOY_SCHEMA, "meta")} (key text PRIMARY KEY, value text NOT NULL)`,
  // Signs pagination cursors; shared by every server on this database, never sent to clients.
  `INSERT INTO ${qualified(CONVOY_SCHEMA, "meta")} (key, value) VALUES ('cursor_secret', encode(sha256(gen_random_uuid()::text::bytea || clock_timestamp()::text::bytea), 'hex')) ON CONFLICT DO NOTHING`,
];

/** The secret that signs this database's pagination cursors (created by {@link ensureStorage}). */
export async function loadCursorSecret(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ value: string }>(`SELECT value FROM ${qualified(CONVOY_SCHEMA, "meta")} WHERE key = 'cursor_secret'`);
  if (rows[0] === undefined) throw new Error("Convoy's bookkeeping is missing: run ensureStorage first");
  return rows[0].value;
}

/** DDL creating one Convoy table: the `jsonb` document plus system columns. */
export function createTableSql(pgSchema: string, table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(pgSchema, table)} (
  ${quoteIdent(ID_COLUMN)} text COLLATE "C" PRIMARY KEY,
  ${quoteIdent(CREATION_TIME_COLUMN)} double precision NOT NULL,
  ${quoteIdent(DATA_COLUMN)} jsonb NOT NULL
)`;
}

/** DDL creating one index (a btree over the fields' keys, then `_creation_time`, `_id`). */
export function createIndexSql(pgSchema: string, table: string, index: string, fields: readonly string[]): string {
  return `CREATE INDEX IF NOT EXISTS ${quoteIdent(indexNameFor(table, index))} ON ${qualified(pgSchema, table)} (${indexColumnsSql(fields).join(", ")})`;
}

/**
 * Idempotently creates whatever the schema needs and the database lacks: Convoy's bookkeeping
 * schema, the key function, each table and each index (`by_creation_time` included; `by_id` is
 * the primary key). Never alters or drops anything: that is `convoy sync`'s job. Runs under an
 * advisory lock so concurrent servers do not race. Returns the steps it ran (none the second time).
 */
export async function ensureStorage(driver: Driver, schema: SchemaJSON, options: StorageOptions = {}): Promise<EnsureStep[]> {
  const pgSchema = options.schema ?? DEFAULT_PG_SCHEMA;
  return driver.transaction({ isolation: "read committed" }, async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [ENSURE_LOCK_KEY]);
    const existing = await existingRelations(tx, pgSchema);
    const steps: EnsureStep[] = [];
    if (!existing.hasBookkeeping) {
      for (const sql of BOOKKEEPING_SQL) steps.push({ description: `create Convoy's bookkeeping schema "${CONVOY_SCHEMA}"`, sql });
    }
    if (!existing.hasSortKeyFunction) steps.push({ description: `create function ${SORT_KEY_FUNCTION}`, sql: SORT_KEY_FUNCTION_SQL });
    if (!existing.hasFilterFunctions) {
      for (const sql of DB_FUNCTIONS_SQL) steps.push({ description: `create filter function ${ARITH_FUNCTION} and its helpers`, sql });
    }
    if (pgSchema !== DEFAULT_PG_SCHEMA && !existing.hasUserSchema) {
      steps.push({ description: `create schema ${pgSchema}`, sql: `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(pgSchema)}` });
    }
    for (const [table, definition] of Object.entries(schema.tables).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!existing.relations.has(table)) {
        steps.push({ description: `create table ${table}`, sql: createTableSql(pgSchema, table) });
        steps.push({
          description: `register table ${table}`,
          sql: `INSERT INTO ${qualified(CONVOY_SCHEMA, "tables")} (pg_schema, table_name) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
          params: [pgSchema, table],
        });
      }
      const indexes = [{ name: "by_creation_time", fields: [] as string[] }, ...definition.indexes];
      for (const index of indexes) {
        if (existing.relations.has(indexNameFor(table, index.name))) continue;
        steps.push({ description: `create index ${table}.${index.name}`, sql: createIndexSql(pgSchema, table, index.name, index.fields) });
      }
    }
    for (const step of steps) await tx.query(step.sql, step.params);
    return steps;
  });
}

interface ExistingRelations {
  hasBookkeeping: boolean;
  hasSortKeyFunction: boolean;
  hasFilterFunctions: boolean;
  hasUserSchema: boolean;
  relations: Set<string>;
}

async function existingRelations(tx: Queryable, pgSchema: string): Promise<ExistingRelations> {
  const { rows } = await tx.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'i', 'p')`,
    [pgSchema],
  );
  const meta = await tx.query<{ bookkeeping: boolean; fn: boolean; arith: boolean; user_schema: boolean }>(
    `SELECT to_regclass($1) IS NOT NULL AS bookkeeping,
            to_regprocedure($2) IS NOT NULL AS fn,
            to_regprocedure($3) IS NOT NULL AS arith,
            EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $4) AS user_schema`,
    [`${CONVOY_SCHEMA}.meta`, `${SORT_KEY_FUNCTION}(jsonb)`, `${ARITH_FUNCTION}(text,jsonb,jsonb)`, pgSchema],
  );
  const row = meta.rows[0]!;
  return {
    hasBookkeeping: row.bookkeeping,
    hasSortKeyFunction: row.fn,
    hasFilterFunctions: row.arith,
    hasUserSchema: row.user_schema,
    relations: new Set(rows.map((r) => r.relname)),
  };
}

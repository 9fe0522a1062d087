import { fieldKeyExpression, indexColumnsSql } from "./field-expression.js";
import { CREATION_TIME_COLUMN, DOCUMENT_STORAGE, ID_COLUMN, type TableStorage } from "./table-storage.js";
import { indexNameFor } from "./index-names.js";
import { PROMOTIONS_SQL } from "./promoted-column.js";
import { qualified, quoteIdent, quoteName } from "./sql/identifiers.js";
import { CONVOY_SCHEMA } from "./sql/sort-key-function.js";

/*
 * How Convoy lays out its data in Postgres: one table per schema table, its indexes, and the
 * bookkeeping in the `convoy` schema. Only the schema-sync planner runs this DDL; the runtime
 * reads the layout (and checks that it exists) but never creates it.
 */

/** Postgres schema used for user tables when none is configured. */
export const DEFAULT_PG_SCHEMA = "public";

/** Convoy's bookkeeping tables, quoted. */
export const META_TABLE = qualified(CONVOY_SCHEMA, "meta");
export const TABLES_TABLE = qualified(CONVOY_SCHEMA, "tables");
export const SYNC_LOG_TABLE = qualified(CONVOY_SCHEMA, "sync_log");
/** Promoted fields: the top-level fields stored in a native column of their own (read into the catalog). */
export const COLUMNS_TABLE = qualified(CONVOY_SCHEMA, "columns");
export const COLUMNS_TABLE_NAME = "columns";
/**
 * Results of mutations sent with a client request id over `/api/sync`, written in the
 * mutation's own transaction: a duplicate `(session_id, request_id)` gets the stored result,
 * also after a reconnect or a server restart. Pruned by age (see realtime/request-log.ts).
 */
export const REQUEST_LOG_TABLE = qualified(CONVOY_SCHEMA, "request_log");
export const REQUEST_LOG_TABLE_NAME = "request_log";

/** DDL of {@link REQUEST_LOG_TABLE} (part of the bookkeeping; added by `convoy sync` to older databases). */
export const REQUEST_LOG_SQL = `CREATE TABLE IF NOT EXISTS ${REQUEST_LOG_TABLE} (
     session_id text NOT NULL,
     request_id text NOT NULL,
     result text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (session_id, request_id)
   )`;

/** Jobs of `ctx.scheduler` (read as `_scheduled_functions`) and the next tick of each cron job (see scheduler/). */
export const SCHEDULED_FUNCTIONS_TABLE = qualified(CONVOY_SCHEMA, "scheduled_functions");
export const SCHEDULED_FUNCTIONS_TABLE_NAME = "scheduled_functions";
export const CRONS_TABLE = qualified(CONVOY_SCHEMA, "crons");

/** DDL of the scheduler's tables (part of the bookkeeping; added by `convoy sync` to older databases). Times are ms since the epoch. */
export const SCHEDULER_SQL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS ${SCHEDULED_FUNCTIONS_TABLE} (
     id text PRIMARY KEY,
     creation_time double precision NOT NULL,
     name text NOT NULL,
     kind text NOT NULL,
     args jsonb NOT NULL,
     scheduled_time double precision NOT NULL,
     completed_time double precision,
     state text NOT NULL,
     error text
   )`,
  `CREATE INDEX IF NOT EXISTS scheduled_functions_due ON ${SCHEDULED_FUNCTIONS_TABLE} (scheduled_time) WHERE state = 'pending'`,
  `CREATE TABLE IF NOT EXISTS ${CRONS_TABLE} (name text PRIMARY KEY, spec text NOT NULL, next_run double precision NOT NULL)`,
];

/** The `convoy.meta` key of the secret that signs pagination cursors. */
export const CURSOR_SECRET_KEY = "cursor_secret";

/** `convoy.meta` keys holding the schema the database was last synced to. */
export const SCHEMA_HASH_KEY = "schema_hash";
export const SCHEMA_JSON_KEY = "schema_json";

/** SQL of Convoy's bookkeeping schema: idempotent, created once per database. */
export const BOOKKEEPING_SQL: readonly string[] = [
  `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(CONVOY_SCHEMA)}`,
  `CREATE TABLE IF NOT EXISTS ${TABLES_TABLE} (
     pg_schema text NOT NULL,
     table_name text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (pg_schema, table_name)
   )`,
  `CREATE TABLE IF NOT EXISTS ${META_TABLE} (key text PRIMARY KEY, value text NOT NULL)`,
  // Signs pagination cursors; shared by every server on this database, never sent to clients.
  `INSERT INTO ${META_TABLE} (key, value) VALUES ('cursor_secret', encode(sha256(gen_random_uuid()::text::bytea || clock_timestamp()::text::bytea), 'hex')) ON CONFLICT DO NOTHING`,
  `CREATE TABLE IF NOT EXISTS ${SYNC_LOG_TABLE} (
     id bigserial PRIMARY KEY,
     source text NOT NULL,
     schema_hash text NOT NULL,
     plan jsonb NOT NULL,
     sql text NOT NULL,
     started_at timestamptz NOT NULL,
     finished_at timestamptz,
     outcome text NOT NULL,
     error text,
     convoy_version text NOT NULL,
     host text NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS ${COLUMNS_TABLE} (
     pg_schema text NOT NULL,
     table_name text NOT NULL,
     field text NOT NULL,
     column_name text NOT NULL,
     PRIMARY KEY (pg_schema, table_name, field)
   )`,
  REQUEST_LOG_SQL,
  ...SCHEDULER_SQL,
  PROMOTIONS_SQL,
];

/**
 * DDL creating one Convoy table: the system columns, the `jsonb` document, any promoted column
 * and the generated key column of each indexed field (see table-storage.ts).
 */
export function createTableSql(pgSchema: string, table: string, storage: TableStorage = DOCUMENT_STORAGE): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(pgSchema, table)} (
${[
  ...tableColumns(storage).map(
    (column) => `  ${quoteName(column.name)} ${column.type}${column.collation === null ? "" : ` COLLATE "${column.collation}"`}${column.name === ID_COLUMN ? " PRIMARY KEY" : column.nullable ? "" : " NOT NULL"}`,
  ),
  ...keyColumns(storage).map((column) => `  ${keyColumnDefinition(column)}`),
].join(",\n")}
)`;
}

/** A generated key column of a table: its name and the expression Postgres stores (see table-storage.ts). */
export interface KeyColumn {
  path: string;
  name: string;
  expression: string;
}

/** The key columns a table with this layout has, by name. */
export function keyColumns(storage: TableStorage): KeyColumn[] {
  return [...storage.keyColumns].map(([path, name]) => ({ path, name, expression: fieldKeyExpression({ storage }, path) }));
}

function keyColumnDefinition(column: KeyColumn): string {
  return `${quoteName(column.name)} bytea GENERATED ALWAYS AS (${column.expression}) STORED`;
}

/** `ALTER TABLE … ADD COLUMN` of key columns: one statement, so the table is rewritten once. */
export function addKeyColumnsSql(pgSchema: string, table: string, columns: readonly KeyColumn[]): string {
  return `ALTER TABLE ${qualified(pgSchema, table)} ${columns.map((column) => `ADD COLUMN IF NOT EXISTS ${keyColumnDefinition(column)}`).join(", ")}`;
}

/** A column of a Convoy table as the storage layout defines it (DDL and sync's column checks). */
export interface TableColumn {
  name: string;
  type: string;
  collation: string | null;
  nullable: boolean;
}

/** The columns a Convoy table with this layout has, in order. */
export function tableColumns(storage: TableStorage = DOCUMENT_STORAGE): TableColumn[] {
  return storage.columns.map((name) => {
    if (name === ID_COLUMN) return { name, type: "text", collation: "C", nullable: false };
    if (name === CREATION_TIME_COLUMN) return { name, type: "double precision", collation: null, nullable: false };
    return { name, type: "jsonb", collation: null, nullable: name !== storage.documentColumn };
  });
}

/** The columns of an index as Convoy writes them: what an index's recorded definition is compared by. */
export function indexDefinition(fields: readonly string[], storage: TableStorage = DOCUMENT_STORAGE): string {
  return indexColumnsSql({ storage }, fields).join(", ");
}

/** DDL creating one index (a btree over the fields' keys, then `_creation_time`, `_id`). */
export function createIndexSql(
  pgSchema: string,
  table: string,
  index: string,
  fields: readonly string[],
  options: { concurrently?: boolean; name?: string; storage?: TableStorage } = {},
): string {
  const name = options.name ?? indexNameFor(table, index);
  return `CREATE INDEX ${options.concurrently === true ? "CONCURRENTLY " : ""}IF NOT EXISTS ${quoteIdent(name)} ON ${qualified(pgSchema, table)} (${indexDefinition(fields, options.storage)})`;
}

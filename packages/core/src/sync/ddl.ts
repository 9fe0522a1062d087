import { createHash } from "node:crypto";
import { indexColumnsSql } from "../storage/field-expression.js";
import { CREATION_TIME_COLUMN, DOCUMENT_STORAGE, ID_COLUMN, type TableStorage } from "../storage/table-storage.js";
import { indexNameFor } from "../storage/index-names.js";
import { qualified, quoteIdent, quoteName } from "../storage/sql/identifiers.js";
import { CONVOY_SCHEMA } from "../storage/sql/sort-key-function.js";

/** Postgres schema used for user tables when none is configured. */
export const DEFAULT_PG_SCHEMA = "public";

/** Advisory lock key: one sync (or dev "ensure") at a time per database. "conv". */
export const SYNC_LOCK_KEY = 0x636f6e76;

/** Convoy's bookkeeping tables, quoted. */
export const META_TABLE = qualified(CONVOY_SCHEMA, "meta");
export const TABLES_TABLE = qualified(CONVOY_SCHEMA, "tables");
export const SYNC_LOG_TABLE = qualified(CONVOY_SCHEMA, "sync_log");
/** Promoted fields: the top-level fields stored in a native column of their own (read into the catalog). */
export const COLUMNS_TABLE = qualified(CONVOY_SCHEMA, "columns");
export const COLUMNS_TABLE_NAME = "columns";

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
  `CREATE TABLE IF NOT EXISTS ${COLUMNS_TABLE} (
     pg_schema text NOT NULL,
     table_name text NOT NULL,
     field text NOT NULL,
     column_name text NOT NULL,
     PRIMARY KEY (pg_schema, table_name, field)
   )`,
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
];

/** DDL creating one Convoy table: the system columns, the `jsonb` document and any promoted column (see table-storage.ts). */
export function createTableSql(pgSchema: string, table: string, storage: TableStorage = DOCUMENT_STORAGE): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(pgSchema, table)} (
${tableColumns(storage)
  .map((column) => `  ${quoteName(column.name)} ${column.type}${column.collation === null ? "" : ` COLLATE "${column.collation}"`}${column.name === ID_COLUMN ? " PRIMARY KEY" : column.nullable ? "" : " NOT NULL"}`)
  .join(",\n")}
)`;
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

/** What Convoy records on each of its indexes (as the index's `COMMENT`), so sync knows what it was built from. */
export interface IndexComment {
  convoy: 1;
  table: string;
  index: string;
  fields: string[];
  definition: string;
}

const COMMENT_PREFIX = "convoy:";

/** `COMMENT ON INDEX` recording an index's definition. */
export function commentIndexSql(pgSchema: string, indexName: string, comment: IndexComment): string {
  const text = `${COMMENT_PREFIX}${JSON.stringify(comment)}`;
  return `COMMENT ON INDEX ${qualified(pgSchema, indexName)} IS '${text.replaceAll("'", "''")}'`;
}

/** Parses a recorded index comment; `null` when the comment is not Convoy's. */
export function parseIndexComment(text: string | null): IndexComment | null {
  if (text?.startsWith(COMMENT_PREFIX) !== true) return null;
  try {
    const parsed = JSON.parse(text.slice(COMMENT_PREFIX.length)) as Partial<IndexComment>;
    if (parsed.convoy !== 1 || typeof parsed.definition !== "string" || !Array.isArray(parsed.fields)) return null;
    return parsed as IndexComment;
  } catch {
    return null;
  }
}

/** Prefixes of the temporary names used while an index is replaced (build new, swap, drop old). */
export const NEW_INDEX_PREFIX = "convoy_new_";
export const OLD_INDEX_PREFIX = "convoy_old_";

/** The deterministic temporary name of an index being replaced (fits Postgres's 63 bytes). */
export function temporaryIndexName(prefix: string, table: string, index: string): string {
  return `${prefix}${createHash("sha256").update(`${table}\0${index}`).digest("hex").slice(0, 16)}`;
}

import { createHash } from "node:crypto";
import type { PromotedColumnType } from "./promoted-column.js";

/** Column holding every field that has no column of its own (storage form, see stored-value.ts). */
export const DATA_COLUMN = "data";
/** System columns. */
export const ID_COLUMN = "_id";
export const CREATION_TIME_COLUMN = "_creation_time";

/**
 * Where one top-level field of a document lives:
 * - `id` / `creationTime`: the native system columns `_id` (text COLLATE "C") and
 *   `_creation_time` (float8);
 * - `column`: a native column of its own (`jsonb`, the field's storage form, SQL NULL when the
 *   field is missing): a promoted field (M4);
 * - `document`: a key of the `jsonb` document column.
 */
export type FieldStorage = { kind: "id" } | { kind: "creationTime" } | { kind: "column"; column: string } | { kind: "document"; column: string };

/**
 * The storage layout of one table: which top-level fields have a column of their own. Every
 * piece of SQL that touches a document (writes, row decoding, `SELECT` lists, index DDL, field
 * expressions) is derived from it, so promoting a field changes this one value.
 */
export interface TableStorage {
  /** The `jsonb` column holding the fields without a column of their own. */
  readonly documentColumn: string;
  /** Promoted top-level fields: field name → column name. */
  readonly fieldColumns: ReadonlyMap<string, string>;
  /** Every column a row is read with, in order: `_id`, `_creation_time`, the document column, the promoted columns. */
  readonly columns: readonly string[];
  /**
   * The index key of each indexed field path: path → its `bytea` column, `GENERATED ALWAYS AS
   * (convoy.sort_key_v1(<field>)) STORED`. Indexes are built on these columns rather than on
   * expressions over the document, so an update that leaves a document's keys unchanged is HOT
   * (no index insert). Not in `columns`: Postgres computes them.
   */
  readonly keyColumns: ReadonlyMap<string, string>;
  /**
   * Switched promotions (M4, see promoted-column.ts): top-level field → the type of its typed
   * column, named as the field. Ranges, order, keyset cursors and filter keys of these fields
   * read the column; they have no key column here. Documents still hold them whole.
   */
  readonly promotedFields: ReadonlyMap<string, PromotedColumnType>;
  /**
   * A short digest of the layout: cursors carry it, so a cursor made under another layout is
   * refused. Promotions leave it unchanged: positions are values' sort keys either way.
   */
  readonly version: string;
}

/**
 * What the database records about table storage (`convoy.columns`): promoted top-level fields
 * and their columns, by table name.
 */
export type RecordedColumns = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** Anything that has a storage layout (a catalog table). */
export interface StoredTable {
  readonly storage: TableStorage;
}

/**
 * The layout of a table given its promoted columns (none: every field in the document column),
 * the field paths its indexes name (each gets a key column; see {@link keyColumnName}) and its
 * switched promotions (read from their typed column instead).
 */
export function tableStorage(
  fieldColumns: ReadonlyMap<string, string> = new Map(),
  indexedPaths: Iterable<string> = [],
  promotedFields: ReadonlyMap<string, PromotedColumnType> = new Map(),
): TableStorage {
  const promoted = [...fieldColumns].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // the key columns are derived data: cursors (positions are key values) stay valid across them
  const version = createHash("sha256").update(JSON.stringify([DATA_COLUMN, promoted])).digest("base64url").slice(0, 11);
  const fields = new Map(promoted);
  const keyColumns = new Map<string, string>();
  for (const path of [...new Set(indexedPaths)].sort()) {
    if (promotedFields.has(path)) continue;
    const where = fieldStorage({ documentColumn: DATA_COLUMN, fieldColumns: fields }, path.split(".")[0]!);
    if (where.kind === "document" || where.kind === "column") keyColumns.set(path, keyColumnName(where.column, path));
  }
  return {
    documentColumn: DATA_COLUMN,
    fieldColumns: fields,
    columns: [ID_COLUMN, CREATION_TIME_COLUMN, DATA_COLUMN, ...promoted.map(([, column]) => column)],
    keyColumns,
    promotedFields,
    version,
  };
}

/** Prefix of key columns (user fields cannot start with `_`, so no promoted field collides). */
export const KEY_COLUMN_PREFIX = "_key_";

/**
 * The name of the key column of a field path stored in `sourceColumn`: `_key_<path as
 * [a-z0-9_], shortened>_<8 hex of a hash of column and path>`. Deterministic, a valid
 * identifier for any path, within Postgres's 63 bytes; moving the field to another column
 * gives another name (its expression differs).
 */
export function keyColumnName(sourceColumn: string, path: string): string {
  const slug = path
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .slice(0, 40);
  const hash = createHash("sha256").update(`${sourceColumn}\0${path}`).digest("hex").slice(0, 8);
  return `${KEY_COLUMN_PREFIX}${slug}_${hash}`;
}

/** Every field path an index of a table names (the key columns it needs); `_id`/`_creationTime` are native columns. */
export function indexedPaths(indexes: Iterable<{ readonly fields: readonly string[] }>): string[] {
  const paths = new Set<string>();
  for (const index of indexes) for (const field of index.fields) if (field !== "_id" && field !== "_creationTime") paths.add(field);
  return [...paths];
}

/** The layout of a table with no promoted field and no index of its own. */
export const DOCUMENT_STORAGE: TableStorage = tableStorage();

/** Where a (top-level) field of a table lives. */
export function fieldStorage(storage: Pick<TableStorage, "documentColumn" | "fieldColumns">, field: string): FieldStorage {
  if (field === "_id") return { kind: "id" };
  if (field === "_creationTime") return { kind: "creationTime" };
  const column = storage.fieldColumns.get(field);
  return column === undefined ? { kind: "document", column: storage.documentColumn } : { kind: "column", column };
}

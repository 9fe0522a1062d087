import { createHash } from "node:crypto";

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
  /** A short digest of the layout: cursors carry it, so a cursor made under another layout is refused. */
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

/** The layout of a table given its promoted columns (none: every field in the document column). */
export function tableStorage(fieldColumns: ReadonlyMap<string, string> = new Map()): TableStorage {
  const promoted = [...fieldColumns].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const version = createHash("sha256").update(JSON.stringify([DATA_COLUMN, promoted])).digest("base64url").slice(0, 11);
  return {
    documentColumn: DATA_COLUMN,
    fieldColumns: new Map(promoted),
    columns: [ID_COLUMN, CREATION_TIME_COLUMN, DATA_COLUMN, ...promoted.map(([, column]) => column)],
    version,
  };
}

/** The layout of a table with no promoted field. */
export const DOCUMENT_STORAGE: TableStorage = tableStorage();

/** Where a (top-level) field of a table lives. */
export function fieldStorage(storage: TableStorage, field: string): FieldStorage {
  if (field === "_id") return { kind: "id" };
  if (field === "_creationTime") return { kind: "creationTime" };
  const column = storage.fieldColumns.get(field);
  return column === undefined ? { kind: "document", column: storage.documentColumn } : { kind: "column", column };
}

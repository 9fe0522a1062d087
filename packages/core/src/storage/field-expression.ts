import { SORT_KEY_FUNCTION } from "./sql/sort-key-function.js";
import { literal, quoteName } from "./sql/identifiers.js";
import { promotedKeyParts, promotedSortKeySql } from "./promoted-column.js";
import { CREATION_TIME_COLUMN, DATA_COLUMN, ID_COLUMN, fieldStorage, type StoredTable } from "./table-storage.js";

export { CREATION_TIME_COLUMN, DATA_COLUMN, ID_COLUMN };

/**
 * The single place where a document field becomes SQL. Index DDL, the query compiler and
 * promoted columns all ask this function, with the table's storage layout (see
 * table-storage.ts), so moving a field into a column changes one mapping.
 *
 * - `json`: the field as `jsonb` (SQL NULL when missing).
 * - `key`: the field's order-preserving key, in Convoy's total order (SPEC §4): the field's
 *   key column when the table has one (an indexed path: what indexes are built on and ranges,
 *   `ORDER BY` and keyset cursors compare), else the key computed from `json`.
 */
export interface FieldSql {
  json: string;
  key: string;
}

/**
 * SQL for a (possibly dotted) field path of a document of `table`. `alias` qualifies columns
 * (`t."data"`). Field names may hold any character: they become string literals, never
 * identifiers of the user's choosing.
 */
export function fieldSql(table: StoredTable, fieldPath: string, alias?: string): FieldSql {
  const column = (name: string) => (alias ? `${alias}.${quoteName(name)}` : quoteName(name));
  const json = fieldJsonSql(table, fieldPath, alias);
  const promoted = table.storage.promotedFields.get(fieldPath);
  if (promoted !== undefined) return { json, key: promotedSortKeySql(promoted, column(fieldPath)) };
  const keyColumn = table.storage.keyColumns.get(fieldPath);
  return { json, key: keyColumn === undefined ? `${SORT_KEY_FUNCTION}(${json})` : column(keyColumn) };
}

/**
 * The key of a field computed from the document (`convoy.sort_key_v1(<json>)`): the generation
 * expression of its key column, and what anything without the column (triggers over other
 * tables' rows, unindexed paths) compares.
 */
export function fieldKeyExpression(table: StoredTable, fieldPath: string, alias?: string): string {
  return `${SORT_KEY_FUNCTION}(${fieldJsonSql(table, fieldPath, alias)})`;
}

/** A path below a scalar system field: always missing. */
const MISSING = "NULL::jsonb";

function fieldJsonSql(table: StoredTable, fieldPath: string, alias?: string): string {
  const column = (name: string) => (alias ? `${alias}.${quoteName(name)}` : quoteName(name));
  const segments = fieldPath.split(".");
  const storage = fieldStorage(table.storage, segments[0]!);
  switch (storage.kind) {
    case "id":
      return segments.length > 1 ? MISSING : `to_jsonb(${column(ID_COLUMN)})`;
    case "creationTime":
      return segments.length > 1 ? MISSING : `to_jsonb(${column(CREATION_TIME_COLUMN)})`;
    case "column":
      return segments.slice(1).reduce((expr, segment) => `${expr}->${literal(segment)}`, column(storage.column));
    case "document":
      return segments.reduce((expr, segment) => `${expr}->${literal(segment)}`, column(storage.column));
  }
}

/**
 * The columns of an index, in order: the key of each field (its key column, or the expressions
 * of its promoted column), then `_creation_time` and `_id`
 * (every index implicitly ends with `_creationTime`, and `_id` makes keys unique). `by_id`
 * (fields `["_id"]`) is the primary key: just `_id`. The system columns are compared natively:
 * `_creation_time` (float8, always finite) and `_id` (text COLLATE "C") sort exactly as their
 * sort keys would.
 */
export function indexColumnsSql(table: StoredTable, fields: readonly string[], alias?: string): string[] {
  const column = (name: string) => (alias ? `${alias}.${quoteName(name)}` : quoteName(name));
  if (fields.length === 1 && fields[0] === "_id") return [column(ID_COLUMN)];
  return [...fields.flatMap((field) => indexFieldSql(table, field, alias)), column(CREATION_TIME_COLUMN), column(ID_COLUMN)];
}

/**
 * The index expressions of one field: its key column (one `bytea`), or for a switched promoted
 * field the expressions of its typed column ({@link promotedKeyParts}: the `__c` index's).
 */
export function indexFieldSql(table: StoredTable, field: string, alias?: string): string[] {
  const promoted = table.storage.promotedFields.get(field);
  if (promoted === undefined) return [fieldSql(table, field, alias).key];
  return promotedKeyParts(promoted, alias ? `${alias}.${quoteName(field)}` : quoteName(field));
}

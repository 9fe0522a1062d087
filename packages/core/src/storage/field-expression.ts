import { SORT_KEY_FUNCTION } from "./sql/sort-key-function.js";
import { literal } from "./sql/identifiers.js";

/** Column holding the document (all user fields, storage form). */
export const DATA_COLUMN = "data";
/** System columns. */
export const ID_COLUMN = "_id";
export const CREATION_TIME_COLUMN = "_creation_time";

/**
 * The single place where a document field becomes SQL. Index DDL, the query compiler and (M4)
 * promoted columns all ask this function, so moving a field into a column changes one mapping.
 *
 * - `json`: the field as `jsonb` (SQL NULL when missing).
 * - `key`: the field's order-preserving key: the expression indexes are built on and that
 *   ranges, `ORDER BY` and keyset cursors compare, in Convoy's total order (SPEC §4).
 */
export interface FieldSql {
  json: string;
  key: string;
}

/** SQL for a (possibly dotted) field path of a document. `alias` qualifies columns (`t."data"`). */
export function fieldSql(fieldPath: string, alias?: string): FieldSql {
  const column = (name: string) => (alias ? `${alias}."${name}"` : `"${name}"`);
  if (fieldPath === "_id") return { json: `to_jsonb(${column(ID_COLUMN)})`, key: `${SORT_KEY_FUNCTION}(to_jsonb(${column(ID_COLUMN)}))` };
  if (fieldPath === "_creationTime") {
    return { json: `to_jsonb(${column(CREATION_TIME_COLUMN)})`, key: `${SORT_KEY_FUNCTION}(to_jsonb(${column(CREATION_TIME_COLUMN)}))` };
  }
  const json = fieldPath
    .split(".")
    .reduce((expr, segment) => `${expr}->${literal(segment)}`, column(DATA_COLUMN));
  return { json, key: `${SORT_KEY_FUNCTION}(${json})` };
}

/**
 * The columns of an index, in order: the key of each field, then `_creation_time` and `_id`
 * (every index implicitly ends with `_creationTime`, and `_id` makes keys unique). `by_id`
 * (fields `["_id"]`) is the primary key: just `_id`. The system columns are compared natively:
 * `_creation_time` (float8, always finite) and `_id` (text COLLATE "C") sort exactly as their
 * sort keys would.
 */
export function indexColumnsSql(fields: readonly string[], alias?: string): string[] {
  const column = (name: string) => (alias ? `${alias}."${name}"` : `"${name}"`);
  if (fields.length === 1 && fields[0] === "_id") return [column(ID_COLUMN)];
  return [...fields.map((field) => fieldSql(field, alias).key), column(CREATION_TIME_COLUMN), column(ID_COLUMN)];
}

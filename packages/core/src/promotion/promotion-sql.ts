import { columnFromDocumentSql, documentFromColumnSql, columnMismatchSql, PROMOTIONS_TABLE, wrongTypeDocumentSql } from "../storage/promoted-column.js";
import { CREATION_TIME_COLUMN, DATA_COLUMN, ID_COLUMN } from "../storage/table-storage.js";
import { literal, qualified, quoteName } from "../storage/sql/identifiers.js";
import type { PromotionTarget } from "./target.js";

/*
 * The SQL of the promotion's own steps (the column, trigger and index DDL come from
 * storage/promoted-column.ts). Every value is a parameter; identifiers are quoted.
 */

const data = (alias?: string) => (alias === undefined ? quoteName(DATA_COLUMN) : `${alias}.${quoteName(DATA_COLUMN)}`);

/** The field as stored in the document (`data->'field'`). */
export function documentFieldSql(target: PromotionTarget, alias?: string): string {
  return `${data(alias)}->${literal(target.field)}`;
}

/** Counts the documents whose field holds a value of another type than the column's, with the smallest such `_id`. */
export function wrongTypedDocumentsSql(target: PromotionTarget): string {
  return `SELECT count(*)::bigint AS count, min(${quoteName(ID_COLUMN)}) AS example FROM ${qualified(target.pgSchema, target.table)}
 WHERE ${wrongTypeDocumentSql(target.type, target.field)}`;
}

/**
 * One backfill batch, one statement ($1: the last `_id` done, `''` at the start; $2: the batch
 * size; $3-$5: schema, table, field): the next $2 `_id`s bound a range of the primary key,
 * whose rows get their column from their documents, skipping rows already in step (the trigger
 * keeps every row written since the expand in step; a row inserted into the range meanwhile
 * is one of those), and the promotion's progress row moves past the range, atomically.
 * Returns the batch's last `_id`, its row count and how many rows changed.
 */
export function backfillBatchSql(target: PromotionTarget): string {
  const table = qualified(target.pgSchema, target.table);
  const id = quoteName(ID_COLUMN);
  const column = quoteName(target.field);
  const value = columnFromDocumentSql(target.type, documentFieldSql(target, "t"));
  return `WITH bound AS (SELECT max(${id}) AS last, count(*)::int AS rows FROM (SELECT ${id} FROM ${table} WHERE ${id} > $1 ORDER BY ${id} LIMIT $2) AS b),
 changed AS (UPDATE ${table} AS t SET ${column} = ${value} FROM bound WHERE t.${id} > $1 AND t.${id} <= bound.last AND t.${column} IS DISTINCT FROM ${value} RETURNING 1),
 progress AS (UPDATE ${PROMOTIONS_TABLE} AS p SET backfill_after = bound.last, rows_done = p.rows_done + bound.rows, updated_at = now() FROM bound
   WHERE p.pg_schema = $3 AND p.table_name = $4 AND p.field = $5 AND bound.last IS NOT NULL RETURNING 1)
SELECT bound.last, bound.rows, (SELECT count(*) FROM changed)::int AS changed, (SELECT count(*) FROM progress)::int AS recorded FROM bound`;
}

/** Rows left after `$1` (the last `_id` backfilled), for the progress total. */
export function rowsAfterSql(target: PromotionTarget): string {
  const id = quoteName(ID_COLUMN);
  return `SELECT count(*)::bigint AS n FROM ${qualified(target.pgSchema, target.table)} WHERE ${id} > $1`;
}

/**
 * The verification: row count, rows whose column disagrees with their document, and two
 * checksums that must be equal: of each row's document field, and of the document form of
 * each row's column (both with the row's `_id`).
 */
export function verifySql(target: PromotionTarget): string {
  const id = quoteName(ID_COLUMN);
  const checksum = (expr: string) => `coalesce(sum(hashtextextended(${id} || ':' || coalesce((${expr})::text, ''), 0)::numeric), 0)::text`;
  return `SELECT count(*)::bigint AS rows,
  count(*) FILTER (WHERE ${columnMismatchSql(target.type, target.field)})::bigint AS mismatched,
  ${checksum(documentFieldSql(target))} AS document_checksum,
  ${checksum(documentFromColumnSql(target.type, quoteName(target.field)))} AS column_checksum
FROM ${qualified(target.pgSchema, target.table)}`;
}

/** `indisvalid` of the named indexes of the schema ($1: the Postgres schema, $2: the names, a JSON array). */
export const INDEX_VALIDITY_SQL = `SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname IN (SELECT jsonb_array_elements_text($2::jsonb))`;

/** The columns of a table ($1: schema, $2: table), for the pre-checks. */
export const TABLE_COLUMNS_SQL = `SELECT a.attname AS name FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`;

/** System columns a field can never be promoted into. */
export const RESERVED_COLUMNS: ReadonlySet<string> = new Set([ID_COLUMN, CREATION_TIME_COLUMN, DATA_COLUMN]);

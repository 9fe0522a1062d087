import { columnFromDocumentSql, documentFromColumnSql, columnMismatchSql, PROMOTIONS_TABLE, type PromotedColumnType } from "../storage/promoted-column.js";
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

/** A predicate true when the stored value `expr` (never SQL NULL) has the storage form of the column's type. */
function storedTypeMatchesSql(type: PromotedColumnType, expr: string): string {
  const tagged = (tag: string, values?: readonly string[]) =>
    `(jsonb_typeof(${expr}) = 'object' AND ${expr} - ${literal(tag)} = '{}'::jsonb AND jsonb_typeof(${expr}->${literal(tag)}) = 'string'${
      values === undefined ? "" : ` AND ${expr}->>${literal(tag)} IN (${values.map(literal).join(", ")})`
    })`;
  switch (type) {
    case "text":
      return `jsonb_typeof(${expr}) = 'string'`;
    case "boolean":
      return `jsonb_typeof(${expr}) = 'boolean'`;
    case "double precision":
      return `(jsonb_typeof(${expr}) = 'number' OR ${tagged("$float64", ["NaN", "Infinity", "-Infinity", "-0"])})`;
    case "bigint":
      return `(${tagged("$int64")} AND ${expr}->>'$int64' ~ '^-?[0-9]{1,19}$')`;
  }
}

/** Counts the documents whose field holds a value of another type than the column's, with the smallest such `_id`. */
export function wrongTypedDocumentsSql(target: PromotionTarget): string {
  const field = documentFieldSql(target);
  return `SELECT count(*)::bigint AS count, min(${quoteName(ID_COLUMN)}) AS example FROM ${qualified(target.pgSchema, target.table)}
 WHERE ${field} IS NOT NULL AND NOT ${storedTypeMatchesSql(target.type, field)}`;
}

/**
 * One backfill batch ($1: the last `_id` done, `''` at the start; $2: the batch size): sets the
 * column of the next rows by `_id` from their documents, skipping rows already in step (the
 * trigger keeps every row written since the expand in step). Returns the batch's last `_id`, its
 * row count and how many rows changed.
 */
export function backfillBatchSql(target: PromotionTarget): string {
  const table = qualified(target.pgSchema, target.table);
  const id = quoteName(ID_COLUMN);
  const column = quoteName(target.field);
  const value = columnFromDocumentSql(target.type, documentFieldSql(target, "t"));
  return `WITH batch AS (SELECT ${id} FROM ${table} WHERE ${id} > $1 ORDER BY ${id} LIMIT $2),
 changed AS (UPDATE ${table} AS t SET ${column} = ${value} FROM batch WHERE t.${id} = batch.${id} AND t.${column} IS DISTINCT FROM ${value} RETURNING 1)
SELECT (SELECT max(${id}) FROM batch) AS last, (SELECT count(*) FROM batch)::int AS rows, (SELECT count(*) FROM changed)::int AS changed`;
}

/** Records a batch's progress ($4: its last `_id`, $5: its rows) in the promotion's row, in the batch's transaction. */
export const RECORD_BATCH_SQL = `UPDATE ${PROMOTIONS_TABLE} SET backfill_after = $4, rows_done = rows_done + $5, updated_at = now()
 WHERE pg_schema = $1 AND table_name = $2 AND field = $3`;

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

/** `indisvalid` of the named indexes of the schema ($1: the Postgres schema, $2: the names). */
export const INDEX_VALIDITY_SQL = `SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i
  JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = ANY($2::text[])`;

/** The columns of a table ($1: schema, $2: table), for the pre-checks. */
export const TABLE_COLUMNS_SQL = `SELECT a.attname AS name FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`;

/** System columns a field can never be promoted into. */
export const RESERVED_COLUMNS: ReadonlySet<string> = new Set([ID_COLUMN, CREATION_TIME_COLUMN, DATA_COLUMN]);

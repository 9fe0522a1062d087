import { createHash } from "node:crypto";
import type { Queryable } from "../driver/index.js";
import type { GenericValidator } from "../values/validators.js";
import { literal, qualified, quoteIdent, quoteName, MAX_IDENTIFIER_LENGTH } from "./sql/identifiers.js";
import { CONVOY_SCHEMA } from "./sql/sort-key-function.js";
import { CREATION_TIME_COLUMN, DATA_COLUMN, ID_COLUMN, keyColumnName } from "./table-storage.js";

/*
 * Promoted fields (SPEC §11, M4): a top-level field mirrored into a typed, indexed column of
 * its own. The document stays whole in `data`; a row trigger keeps the column in step with it
 * for every writer (Convoy's and any SQL client's), and once the promotion is switched the
 * query compiler reads index ranges, order and keyset cursors from the column.
 */

/** SQL type of a promoted column. */
export type PromotedColumnType = "text" | "double precision" | "bigint" | "boolean";

/** Steps of a promotion, in order (`convoy.promotions.state`). */
export type PromotionState = "expanded" | "backfilled" | "indexed" | "verified" | "switched" | "finished";

export const PROMOTION_STATES: readonly PromotionState[] = ["expanded", "backfilled", "indexed", "verified", "switched", "finished"];

/** Whether the runtime reads a promotion in this state from its column (design §6). */
export function isSwitched(state: PromotionState): boolean {
  return state === "switched" || state === "finished";
}

export const PROMOTIONS_TABLE_NAME = "promotions";
/** `convoy.promotions`, quoted. */
export const PROMOTIONS_TABLE = qualified(CONVOY_SCHEMA, PROMOTIONS_TABLE_NAME);

/** DDL of {@link PROMOTIONS_TABLE} (part of the bookkeeping; added by `convoy sync` to older databases). */
export const PROMOTIONS_SQL = `CREATE TABLE IF NOT EXISTS ${PROMOTIONS_TABLE} (
     pg_schema text NOT NULL,
     table_name text NOT NULL,
     field text NOT NULL,
     column_type text NOT NULL,
     state text NOT NULL,
     backfill_after text,
     rows_done bigint NOT NULL DEFAULT 0,
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (pg_schema, table_name, field)
   )`;

/** Validator kinds a column can hold, with their column type and how they are described in errors. */
const COLUMN_TYPES: Partial<Record<GenericValidator["kind"], { type: PromotedColumnType }>> = {
  string: { type: "text" },
  id: { type: "text" },
  float64: { type: "double precision" },
  int64: { type: "bigint" },
  boolean: { type: "boolean" },
};

/** What a column of each type accepts, for error messages. */
const EXPECTED: Record<PromotedColumnType, string> = {
  text: "a string",
  "double precision": "a number (float64)",
  bigint: "an int64 ({\"$int64\": \"<decimal>\"})",
  boolean: "a boolean",
};

/**
 * The column type of a top-level field, from the table's document validator, or why the
 * field cannot be promoted (a nested path, a system or reserved name, a type other than
 * string, number, int64, boolean or id, each possibly optional).
 */
export function promotedColumnType(table: string, field: string, validator: GenericValidator): { type: PromotedColumnType } | { refused: string } {
  const result = promotableFieldType(field, validator);
  return "refused" in result ? { refused: `cannot promote ${table}.${field}: ${result.refused}` } : result;
}

/** {@link promotedColumnType} without the table name: the reason alone (what `.columns()` checks at definition). */
export function promotableFieldType(field: string, validator: GenericValidator): { type: PromotedColumnType } | { refused: string } {
  const refuse = (reason: string) => ({ refused: reason });
  if (field.includes(".")) return refuse("top-level fields only for now (a nested path names a field inside an object)");
  if (field.startsWith("_")) return refuse("system fields are native columns already");
  if (field === DATA_COLUMN) return refuse(`its column name "${DATA_COLUMN}" is the document column's`);
  if (field === "" || field.includes("\u0000") || Buffer.byteLength(field) > MAX_IDENTIFIER_LENGTH) {
    return refuse(`a column name must be 1 to ${MAX_IDENTIFIER_LENGTH} bytes`);
  }
  if (validator.kind === "any") return refuse("the table's documents are v.any(), so the field has no declared type");
  const members = validator.kind === "union" ? validator.members : [validator];
  let type: PromotedColumnType | null = null;
  for (const member of members) {
    if (member.kind !== "object") return refuse("the table's documents are not objects");
    const fieldValidator = Object.hasOwn(member.fields, field) ? member.fields[field]! : undefined;
    if (fieldValidator === undefined) continue;
    const mapped = COLUMN_TYPES[fieldValidator.kind];
    if (mapped === undefined) {
      const what = fieldValidator.kind === "union" ? "a union (nullable fields included)" : `v.${fieldValidator.kind === "float64" ? "number" : fieldValidator.kind}()`;
      return refuse(`${what} has no single column type (only v.string(), v.number(), v.int64(), v.boolean() and v.id(), each possibly optional)`);
    }
    if (type !== null && type !== mapped.type) return refuse(`the members of the table's union give it different types (${type}, ${mapped.type})`);
    type = mapped.type;
  }
  if (type === null) return refuse("it is not a field of the table's documents");
  return { type };
}

/** Whether a stored `jsonb` value has the storage form of the column type (SQL NULL for SQL NULL). */
export function documentValueValidSql(type: PromotedColumnType, json: string): string {
  const j = `(${json})`;
  switch (type) {
    case "text":
      return `(jsonb_typeof(${j}) = 'string')`;
    case "boolean":
      return `(jsonb_typeof(${j}) = 'boolean')`;
    case "double precision":
      return `(CASE jsonb_typeof(${j}) WHEN 'number' THEN TRUE WHEN 'object' THEN (${j} - '$float64'::text = '{}'::jsonb AND jsonb_typeof(${j}->'$float64') = 'string' AND ${j}->>'$float64' IN ('NaN', 'Infinity', '-Infinity', '-0')) IS TRUE ELSE FALSE END)`;
    case "bigint":
      return `(CASE WHEN (jsonb_typeof(${j}) = 'object' AND ${j} - '$int64'::text = '{}'::jsonb AND jsonb_typeof(${j}->'$int64') = 'string' AND ${j}->>'$int64' ~ '^-?[0-9]{1,19}$') IS TRUE THEN (${j}->>'$int64')::numeric BETWEEN -9223372036854775808 AND 9223372036854775807 ELSE FALSE END)`;
  }
}

/**
 * SQL: the typed value of a stored `jsonb` field expression (SQL NULL when missing or of
 * another type: the trigger checks the type first and raises). Exact: a JSON number is parsed
 * from its decimal text (correctly rounded), `{"$float64": …}` and `{"$int64": …}` by name.
 */
export function columnFromDocumentSql(type: PromotedColumnType, json: string): string {
  const j = `(${json})`;
  switch (type) {
    case "text":
      return `(CASE WHEN jsonb_typeof(${j}) = 'string' THEN ${j} #>> '{}' END)`;
    case "boolean":
      return `(CASE WHEN jsonb_typeof(${j}) = 'boolean' THEN (${j})::boolean END)`;
    case "double precision":
      return `(CASE WHEN NOT ${documentValueValidSql(type, j)} THEN NULL WHEN jsonb_typeof(${j}) = 'number' THEN (${j})::float8 ELSE (${j}->>'$float64')::float8 END)`;
    case "bigint":
      return `(CASE WHEN ${documentValueValidSql(type, j)} THEN (${j}->>'$int64')::bigint END)`;
  }
}

/**
 * SQL: the storage-form `jsonb` of a typed column expression (NULL → NULL). A float8 becomes
 * its shortest exact decimal (Postgres's default `extra_float_digits = 1`; the trigger sets it),
 * NaN/±Infinity/-0 their `$float64` tag; a bigint its `$int64` tag.
 */
export function documentFromColumnSql(type: PromotedColumnType, column: string): string {
  const c = `(${column})`;
  switch (type) {
    case "text":
    case "boolean":
      return `to_jsonb(${c})`;
    case "bigint":
      return `(CASE WHEN ${c} IS NOT NULL THEN jsonb_build_object('$int64', (${c})::text) END)`;
    case "double precision":
      return `(CASE WHEN ${c} IS NULL THEN NULL WHEN ${c} = 'NaN'::float8 OR ${c} = 'Infinity'::float8 OR ${c} = '-Infinity'::float8 OR float8send(${c}) = ${NEGATIVE_ZERO} THEN jsonb_build_object('$float64', (${c})::text) ELSE ((${c})::text)::jsonb END)`;
  }
}

/** The bits of float8 -0 (`float8send`). */
const NEGATIVE_ZERO = "'\\x8000000000000000'::bytea";

/** SQL: whether two values of a column type are the same value (never NULL; NULL = missing; -0 ≠ 0; NaN = NaN). */
export function sameColumnValueSql(type: PromotedColumnType, a: string, b: string): string {
  if (type !== "double precision") return `(${a} IS NOT DISTINCT FROM ${b})`;
  return `(CASE WHEN ${a} IS NULL OR ${b} IS NULL THEN ${a} IS NULL AND ${b} IS NULL WHEN ${a} = 0 AND ${b} = 0 THEN (${a})::text = (${b})::text ELSE ${a} = ${b} END)`;
}

/** DDL: add the nullable typed column (metadata only: a brief `ACCESS EXCLUSIVE` lock, no rewrite). */
export function addPromotedColumnSql(pgSchema: string, table: string, field: string, type: PromotedColumnType): string {
  return `ALTER TABLE ${qualified(pgSchema, table)} ADD COLUMN IF NOT EXISTS ${quoteName(field)} ${type}${type === "text" ? ' COLLATE "C"' : ""}`;
}

/** A name within Postgres's 63 bytes: as is when it fits, else a prefix and 8 hex of a hash of the whole. */
function shortened(name: string): string {
  if (Buffer.byteLength(name) <= MAX_IDENTIFIER_LENGTH) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  let prefix = name.slice(0, MAX_IDENTIFIER_LENGTH - 9);
  while (Buffer.byteLength(prefix) > MAX_IDENTIFIER_LENGTH - 9) prefix = prefix.slice(0, -1);
  return `${prefix}_${hash}`;
}

/**
 * `convoy."promote__<table>__<field>"`: the trigger function of a promoted field, quoted (with
 * the Postgres schema after `promote__` when it is not `public`, so two schemas' tables of the
 * same name do not share a function).
 */
export function promotionFunctionName(table: string, field: string, pgSchema: string = DEFAULT_PG_SCHEMA_NAME): string {
  const scope = pgSchema === DEFAULT_PG_SCHEMA_NAME ? "" : `${pgSchema}__`;
  return `${quoteIdent(CONVOY_SCHEMA)}.${quoteName(shortened(`promote__${scope}${table}__${field}`))}`;
}

/** Postgres schema of user tables by default (layout.ts's DEFAULT_PG_SCHEMA, not imported: layout imports this file). */
const DEFAULT_PG_SCHEMA_NAME = "public";

/**
 * The transaction-local setting a backfill batch sets to `on` (`SET LOCAL`): the promotion
 * triggers are not called for its rows (their `WHEN` clause), since the batch computes the
 * column from the document itself. Any other writer leaves it unset, so the trigger runs.
 */
export const BACKFILL_SETTING = "convoy.backfill";

/** The `WHEN` condition of a promotion trigger: not in a backfill batch (see {@link BACKFILL_SETTING}). */
const NOT_IN_BACKFILL = `current_setting(${literal(BACKFILL_SETTING)}, true) IS DISTINCT FROM 'on'`;

/** `convoy_promote__<field>`: the trigger of a promoted field on its table (unquoted). */
export function promotionTriggerName(field: string): string {
  return shortened(`convoy_promote__${field}`);
}

/**
 * DDL statements: the trigger function and the `BEFORE INSERT OR UPDATE` row trigger that keep
 * the column and the document in step (idempotent: `CREATE OR REPLACE`, `DROP TRIGGER IF
 * EXISTS` + `CREATE`). A write of the document field sets the column (a wrong type raises
 * `check_violation` naming `<table>.<field>`, the expected type and the `_id`); a write of the
 * column alone sets the document field (NULL removes it); both, disagreeing, raise. The trigger
 * is not called in a backfill batch ({@link BACKFILL_SETTING}): its rows need no work from it.
 */
export function promotionTriggerSql(pgSchema: string, table: string, field: string, type: PromotedColumnType): string[] {
  const fn = promotionFunctionName(table, field, pgSchema);
  const col = `NEW.${quoteName(field)}`;
  const oldCol = `OLD.${quoteName(field)}`;
  const data = `NEW.${quoteName(DATA_COLUMN)}`;
  const key = literal(field);
  const name = literal(`${table}.${field}`);
  const wrongType = `RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = format('convoy: %s must be %s (promoted %s column), got %s in document %s', ${name}, ${literal(EXPECTED[type])}, ${literal(type)}, doc::text, NEW.${quoteName(ID_COLUMN)});`;
  const disagree = `RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = format('convoy: %s: the column (%s) and the document (%s) disagree in document %s; write one of them', ${name}, ${col}::text, doc::text, NEW.${quoteName(ID_COLUMN)});`;
  const setDocument = `IF ${col} IS NULL THEN ${data} := ${data} - ${key}; ELSE ${data} := ${data} || jsonb_build_object(${key}, ${documentFromColumnSql(type, col)}); END IF;`;
  const body = `
CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger
LANGUAGE plpgsql SET extra_float_digits = 1 AS $fn$
DECLARE
  doc jsonb := ${data}->${key};
  typed ${type};
BEGIN
  IF doc IS NOT NULL AND NOT ${documentValueValidSql(type, "doc")} THEN
    IF TG_OP = 'INSERT' OR doc IS DISTINCT FROM OLD.${quoteName(DATA_COLUMN)}->${key} THEN ${wrongType} END IF;
  END IF;
  typed := ${columnFromDocumentSql(type, "doc")};
  IF TG_OP = 'INSERT' THEN
    IF doc IS NOT NULL THEN
      IF ${col} IS NOT NULL AND NOT ${sameColumnValueSql(type, col, "typed")} THEN ${disagree} END IF;
      ${col} := typed;
    ELSIF ${col} IS NOT NULL THEN
      ${setDocument}
    END IF;
  ELSIF doc IS DISTINCT FROM OLD.${quoteName(DATA_COLUMN)}->${key} THEN
    IF NOT ${sameColumnValueSql(type, col, oldCol)} AND NOT ${sameColumnValueSql(type, col, "typed")} THEN ${disagree} END IF;
    ${col} := typed;
  ELSIF NOT ${sameColumnValueSql(type, col, oldCol)} AND NOT ${sameColumnValueSql(type, col, "typed")} THEN
    ${setDocument}
  END IF;
  RETURN NEW;
END
$fn$`;
  const trigger = quoteName(promotionTriggerName(field));
  return [
    body,
    `DROP TRIGGER IF EXISTS ${trigger} ON ${qualified(pgSchema, table)}`,
    `CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE ON ${qualified(pgSchema, table)} FOR EACH ROW WHEN (${NOT_IN_BACKFILL}) EXECUTE FUNCTION ${fn}()`,
  ];
}

/** DDL: drop a promotion's trigger and function (going back by hand, tests). */
export function dropPromotionTriggerSql(pgSchema: string, table: string, field: string): string[] {
  const trigger = quoteName(promotionTriggerName(field));
  return [`DROP TRIGGER IF EXISTS ${trigger} ON ${qualified(pgSchema, table)}`, `DROP FUNCTION IF EXISTS ${promotionFunctionName(table, field, pgSchema)}()`];
}

/** SQL predicate: rows whose document holds the field with a value of another type than the column's. */
export function wrongTypeDocumentSql(type: PromotedColumnType, field: string): string {
  const j = `${quoteName(DATA_COLUMN)}->${literal(field)}`;
  return `(${j} IS NOT NULL AND NOT ${documentValueValidSql(type, j)})`;
}

/** SQL predicate true for rows whose column disagrees with their document (verify and tests). */
export function columnMismatchSql(type: PromotedColumnType, field: string): string {
  const j = `${quoteName(DATA_COLUMN)}->${literal(field)}`;
  return `(${wrongTypeDocumentSql(type, field)} OR NOT ${sameColumnValueSql(type, quoteName(field), columnFromDocumentSql(type, j))})`;
}

/**
 * The index expressions of a promoted column, in order, all non-NULL and ascending so that a
 * row comparison over them is Convoy's value order (SPEC §4) and one btree bound:
 * `present` (missing rows first), the value with NULL replaced by a placeholder of the type
 * (only compared among present rows), and for `double precision` a tie-breaker that puts -0
 * before 0 (float8 says they are equal; NaN is greatest in both orders).
 */
export function promotedKeyParts(type: PromotedColumnType, column: string): string[] {
  const placeholder = { text: "''", "double precision": "0::float8", bigint: "0::bigint", boolean: "false" }[type];
  const parts = [`(${column} IS NOT NULL)`, `COALESCE(${column}, ${placeholder})`];
  if (type === "double precision") parts.push(`(float8send(${column}) IS DISTINCT FROM ${NEGATIVE_ZERO})`);
  return parts;
}

/** The Postgres name of the column-backed index of a schema index: `<table>__<index>__c`, hash-shortened past 63 bytes. */
export function promotedIndexName(table: string, index: string): string {
  return shortened(`${table}__${index}__c`);
}

/**
 * DDL of the column-backed index of a schema index (`CONCURRENTLY` when asked): promoted fields
 * by {@link promotedKeyParts}, other fields by their key column, then `_creation_time`, `_id`:
 * exactly the expressions the query compiler orders and bounds by after the switch.
 */
export function createPromotedIndexSql(
  pgSchema: string,
  table: string,
  index: { name: string; fields: readonly string[] },
  promoted: ReadonlyMap<string, PromotedColumnType>,
  options: { concurrently?: boolean } = {},
): string {
  const columns = [
    ...index.fields.flatMap((field) => {
      const type = promoted.get(field);
      return type === undefined ? [quoteName(keyColumnName(DATA_COLUMN, field))] : promotedKeyParts(type, quoteName(field));
    }),
    quoteName(CREATION_TIME_COLUMN),
    quoteName(ID_COLUMN),
  ];
  const concurrently = options.concurrently === true ? "CONCURRENTLY " : "";
  return `CREATE INDEX ${concurrently}IF NOT EXISTS ${quoteIdent(promotedIndexName(table, index.name))} ON ${qualified(pgSchema, table)} (${columns.join(", ")})`;
}

/** One promotion as recorded in `convoy.promotions`. */
export interface RecordedPromotion {
  type: PromotedColumnType;
  state: PromotionState;
  /** Last `_id` backfilled (keyset), `null` before the backfill starts. */
  backfillAfter: string | null;
  rowsDone: number;
}

/** Recorded promotions: table → field → promotion. */
export type RecordedPromotions = Map<string, Map<string, RecordedPromotion>>;

/** The promotions recorded for a Postgres schema (none when the database predates `convoy.promotions`). */
export async function loadPromotions(q: Queryable, pgSchema: string): Promise<RecordedPromotions> {
  const promotions: RecordedPromotions = new Map();
  const { rows: exists } = await q.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [`${CONVOY_SCHEMA}.${PROMOTIONS_TABLE_NAME}`]);
  if (exists[0]?.present !== true) return promotions;
  const { rows } = await q.query<{ table_name: string; field: string; column_type: string; state: string; backfill_after: string | null; rows_done: string | number }>(
    `SELECT table_name, field, column_type, state, backfill_after, rows_done FROM ${PROMOTIONS_TABLE} WHERE pg_schema = $1 ORDER BY table_name, field`,
    [pgSchema],
  );
  for (const row of rows) {
    let fields = promotions.get(row.table_name);
    if (fields === undefined) promotions.set(row.table_name, (fields = new Map<string, RecordedPromotion>()));
    fields.set(row.field, {
      type: row.column_type as PromotedColumnType,
      state: row.state as PromotionState,
      backfillAfter: row.backfill_after,
      rowsDone: Number(row.rows_done),
    });
  }
  return promotions;
}

const MISSING_KEY = "'\\x01'::bytea";

/**
 * SQL: the `bytea` sort key (`convoy.sort_key_v1` of the document field, see sort-key.ts)
 * computed from the column instead of the document: what filters compare after the switch,
 * without a PL/pgSQL call per row.
 */
export function promotedSortKeySql(type: PromotedColumnType, column: string): string {
  const c = `(${column})`;
  switch (type) {
    case "text":
      return `(CASE WHEN ${c} IS NULL THEN ${MISSING_KEY} ELSE '\\x06'::bytea || convert_to(${c}, 'UTF8') || '\\x00'::bytea END)`;
    case "boolean":
      return `(CASE WHEN ${c} IS NULL THEN ${MISSING_KEY} WHEN ${c} THEN '\\x0501'::bytea ELSE '\\x0500'::bytea END)`;
    case "bigint":
      return `(CASE WHEN ${c} IS NULL THEN ${MISSING_KEY} ELSE '\\x03'::bytea || set_byte(int8send(${c}), 0, get_byte(int8send(${c}), 0) # 128) END)`;
    case "double precision": {
      const bits = `(('x' || encode(float8send(${c}), 'hex'))::bit(64)::bigint)`;
      return `(CASE WHEN ${c} IS NULL THEN ${MISSING_KEY} ELSE '\\x04'::bytea || int8send(CASE WHEN ${bits} < 0 THEN ~${bits} ELSE ${bits} # (-9223372036854775807 - 1) END) END)`;
    }
  }
}

/** The value rank (values/compare.ts TYPE_RANK) of each column type. */
export const COLUMN_TYPE_RANK: Record<PromotedColumnType, number> = { bigint: 3, "double precision": 4, boolean: 5, text: 6 };

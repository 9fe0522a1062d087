import { FrameworkError } from "../errors/index.js";
import type { CatalogTable } from "../storage/catalog.js";
import { fieldSql } from "../storage/field-expression.js";
import { rowSql } from "../storage/row-sql.js";
import { quoteName } from "../storage/sql/identifiers.js";
import { scalarFromSortKey, sortKey } from "../storage/sort-key.js";
import { toStored } from "../storage/stored-value.js";
import { SORT_KEY_FUNCTION } from "../storage/sql/sort-key-function.js";
import { COLUMN_TYPE_RANK } from "../storage/promoted-column.js";
import { tableStorage } from "../storage/table-storage.js";
import { TYPE_RANK, rankOf } from "../values/compare.js";
import type { Value } from "../values/value.js";
import type { FilterNode } from "./filter-builder.js";
import type { IndexColumn, IndexRange, ResolvedIndex } from "./index-range.js";
import { ARITH_FUNCTION } from "../storage/sql/filter-functions.js";

/** Everything that decides which rows a query reads, and in which order. */
export interface QueryPlan {
  index: ResolvedIndex;
  range: IndexRange;
  order: "asc" | "desc";
  filters: readonly FilterNode[];
}

/**
 * A position in an index: the value of each index column of one row (a `bytea` key as hex for
 * field columns, the number for `_creation_time`, the string for `_id`). Rows strictly after it
 * (in the query's order) come next.
 */
export type Position = readonly (string | number)[];

/** A statement ready for the driver. */
export interface CompiledQuery {
  sql: string;
  params: unknown[];
}

/** Collects parameters and hands out `$n` placeholders. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

type Comparison = "=" | "<" | "<=" | ">" | ">=";

/**
 * One comparison of an index column with a value, in the total order. Field columns compare
 * `bytea` sort keys; the system columns compare natively (float8, text COLLATE "C"), and a value
 * of another type than the column's is decided from the type ranks alone.
 */
function columnCondition(column: IndexColumn, op: Comparison, value: Value | undefined, params: Params): string {
  if (column.kind === "key") return `${column.sql} ${op} ${params.add(sortKey(value))}`;
  if (column.kind === "promoted") return promotedCondition(column, op, value, params);
  const rank = rankOf(value);
  const columnRank = column.kind === "creationTime" ? TYPE_RANK.float64 : TYPE_RANK.string;
  if (rank !== columnRank || (column.kind === "creationTime" && Number.isNaN(value))) {
    // every value of the column is below (rank greater, or NaN: the largest float64) or above it
    const columnIsBelow = rank > columnRank || (rank === columnRank && Number.isNaN(value));
    if (op === "=") return "FALSE";
    return (op === "<" || op === "<=") === columnIsBelow ? "TRUE" : "FALSE";
  }
  return `${column.sql} ${op} ${params.add(value)}`;
}

/**
 * One part of a promoted column's tuple: a typed parameter, or a flag (the `present` part, the
 * -0 tie-breaker) written into the statement as `TRUE`/`FALSE`, so the planner sees a constant
 * there (a `$n::boolean` flag costs every execution of the prepared statement a re-plan).
 */
type TuplePart = [unknown, string] | boolean;

/**
 * A value as the tuple of a promoted column's index expressions (see `promotedKeyParts`):
 * `[present, value, (-0 tie-breaker)]`, or `null` when the value is of another kind than the
 * column's (compared by type rank alone). A string holding U+0000 (no stored string does) is
 * replaced by its prefix before it (`cut`).
 */
function promotedTuple(column: IndexColumn, value: Value | undefined): { values: TuplePart[]; cut: boolean } | null {
  const type = column.type!;
  if (value === undefined) {
    const placeholder: [unknown, string] = type === "text" ? ["", "text"] : type === "boolean" ? [false, "boolean"] : ["0", type === "bigint" ? "bigint" : "float8"];
    return { values: [false, placeholder, ...(type === "double precision" ? [true] : [])], cut: false };
  }
  if (rankOf(value) !== COLUMN_TYPE_RANK[type]) return null;
  switch (type) {
    case "text": {
      const text = value as string;
      const nul = text.indexOf("\u0000");
      return { values: [true, [nul < 0 ? text : text.slice(0, nul), "text"]], cut: nul >= 0 };
    }
    case "boolean":
      return { values: [true, [value, "boolean"]], cut: false };
    case "bigint":
      return { values: [true, [(value as bigint).toString(), "bigint"]], cut: false };
    case "double precision": {
      const n = value as number;
      return { values: [true, [Object.is(n, -0) ? "-0" : String(n), "float8"], !Object.is(n, -0)], cut: false };
    }
  }
}

/** A tuple part in SQL: a flag as a constant, a value as a typed parameter. */
function tuplePartSql(part: TuplePart, params: Params): string {
  if (typeof part === "boolean") return part ? "TRUE" : "FALSE";
  return `${params.add(part[0])}::${part[1]}`;
}

/** {@link columnCondition} on a promoted column: one row comparison over its index expressions (one btree bound). */
function promotedCondition(column: IndexColumn, op: Comparison, value: Value | undefined, params: Params): string {
  const tuple = promotedTuple(column, value);
  if (tuple === null) {
    // every present row is above a value of a lower rank (missing rows below it), below one of a higher rank
    const present = column.parts[0]!;
    if (op === "=") return "FALSE";
    if (rankOf(value) > COLUMN_TYPE_RANK[column.type!]) return op === "<" || op === "<=" ? "TRUE" : "FALSE";
    return op === "<" || op === "<=" ? `NOT ${present}` : present;
  }
  let effective = op;
  if (tuple.cut) {
    // s = p + "\0" + rest: a stored t < s ⟺ t <= p, and t > s ⟺ t > p
    if (op === "=") return "FALSE";
    effective = op === "<" || op === "<=" ? "<=" : ">";
  }
  const right = tuple.values.map((part) => tuplePartSql(part, params));
  const left = column.parts.slice(0, right.length);
  return `(${left.join(", ")}) ${effective} (${right.join(", ")})`;
}

/** The `WHERE` conditions of an index range. */
function rangeConditions(plan: QueryPlan, params: Params): string[] {
  const { columns } = plan.index;
  const conditions = plan.range.eq.map((value, i) => columnCondition(columns[i]!, "=", value, params));
  const boundColumn = columns[plan.range.eq.length];
  const { lower, upper } = plan.range;
  if (lower !== null && boundColumn !== undefined) conditions.push(columnCondition(boundColumn, lower.op === "gt" ? ">" : ">=", lower.value, params));
  if (upper !== null && boundColumn !== undefined) conditions.push(columnCondition(boundColumn, upper.op === "lt" ? "<" : "<=", upper.value, params));
  return conditions;
}

/** `(c_j, …, c_n) > ($a, …)` (or `<` descending): the rows after a position, past the eq prefix. */
function keysetCondition(plan: QueryPlan, after: Position, params: Params): string {
  const { columns } = plan.index;
  const start = plan.range.eq.length;
  if (after.length !== columns.length) throw new FrameworkError("INTERNAL", "position does not match the index");
  if (start >= columns.length) return "FALSE";
  const left: string[] = [];
  const right: string[] = [];
  for (let i = start; i < columns.length; i++) {
    const column = columns[i]!;
    const value = after[i]!;
    if (column.kind === "promoted") {
      const decoded = scalarFromSortKey(value as string);
      const tuple = "value" in decoded ? promotedTuple(column, decoded.value) : null;
      if (tuple === null || tuple.cut) throw new FrameworkError("BAD_REQUEST", "invalid pagination cursor: its position does not fit the field's column; start again from the first page");
      left.push(...column.parts);
      for (const part of tuple.values) right.push(tuplePartSql(part, params));
      continue;
    }
    left.push(column.sql);
    right.push(params.add(column.kind === "key" ? Buffer.from(value as string, "hex") : value));
  }
  const op = plan.order === "asc" ? ">" : "<";
  return left.length === 1 ? `${left[0]!} ${op} ${right[0]!}` : `(${left.join(", ")}) ${op} (${right.join(", ")})`;
}

const TRUE_KEY = "'\\x0501'::bytea";
const FALSE_KEY = "'\\x0500'::bytea";

/** What compiling a filter needs: the table (where its fields are stored) and the parameters. */
interface FilterContext {
  table: CatalogTable;
  params: Params;
}

/**
 * A filter node as a non-NULL SQL boolean. `and`/`or` evaluate left to right and stop at the
 * first operand that decides them, as in Convex, so a guard protects what follows it (an
 * arithmetic error is not raised for a document the guard excludes): SQL's `AND`/`OR` may
 * evaluate their operands in any order, `CASE` evaluates its branches in order.
 */
function booleanSql(node: FilterNode, ctx: FilterContext): string {
  switch (node.kind) {
    case "compare": {
      const equality = jsonEqualitySql(node, ctx);
      if (equality !== null) return equality;
      const op = { eq: "=", neq: "<>", lt: "<", lte: "<=", gt: ">", gte: ">=" }[node.op];
      return `${keySql(node.left, ctx)} ${op} ${keySql(node.right, ctx)}`;
    }
    case "and":
      return shortCircuit(node.args, ctx, "and");
    case "or":
      return shortCircuit(node.args, ctx, "or");
    case "not":
      return `NOT (${booleanSql(node.arg, ctx)})`;
    case "literal":
      return node.value === true ? "TRUE" : "FALSE";
    default:
      // a value used as a condition: only `true` passes
      return `(${jsonSql(node, ctx)} IS NOT DISTINCT FROM 'true'::jsonb)`;
  }
}

/**
 * `field = literal` (or `<>`) when the literal is a string, boolean or null: these have one
 * storage form, so `jsonb` equality decides it exactly, without computing the row's sort key
 * (a PL/pgSQL call per row). A missing field (SQL NULL) equals none of them.
 */
function jsonEqualitySql(node: Extract<FilterNode, { kind: "compare" }>, ctx: FilterContext): string | null {
  if (node.op !== "eq" && node.op !== "neq") return null;
  const [field, literal] = node.left.kind === "field" ? [node.left, node.right] : [node.right, node.left];
  if (field.kind !== "field" || literal.kind !== "literal") return null;
  const value = literal.value;
  if (value !== null && typeof value !== "string" && typeof value !== "boolean") return null;
  // a string jsonb cannot hold (no stored field equals it) keeps the sort-key comparison
  if (typeof value === "string" && (value.includes("\u0000") || !value.isWellFormed())) return null;
  const equal = `(${fieldSql(ctx.table, field.path).json} IS NOT DISTINCT FROM ${ctx.params.add(JSON.stringify(value))}::jsonb)`;
  return node.op === "eq" ? equal : `NOT ${equal}`;
}

/** `and`: `CASE WHEN NOT a THEN FALSE … ELSE z END`; `or`: `CASE WHEN a THEN TRUE … ELSE z END`. */
function shortCircuit(args: readonly FilterNode[], ctx: FilterContext, kind: "and" | "or"): string {
  if (args.length === 0) return kind === "and" ? "TRUE" : "FALSE";
  if (args.length === 1) return booleanSql(args[0]!, ctx);
  const branches = args.slice(0, -1).map((arg) => (kind === "and" ? `WHEN NOT (${booleanSql(arg, ctx)}) THEN FALSE` : `WHEN ${booleanSql(arg, ctx)} THEN TRUE`));
  return `(CASE ${branches.join(" ")} ELSE ${booleanSql(args.at(-1)!, ctx)} END)`;
}

/** A filter node as its `bytea` sort key (never NULL: a missing value has the "missing" key). */
function keySql(node: FilterNode, ctx: FilterContext): string {
  switch (node.kind) {
    case "field":
      return fieldSql(ctx.table, node.path).key;
    case "literal":
      return `${ctx.params.add(sortKey(node.value))}::bytea`;
    case "arith":
    case "neg":
      return `${SORT_KEY_FUNCTION}(${jsonSql(node, ctx)})`;
    default:
      return `(CASE WHEN ${booleanSql(node, ctx)} THEN ${TRUE_KEY} ELSE ${FALSE_KEY} END)`;
  }
}

/** A filter node as `jsonb` in storage form (SQL NULL when missing). */
function jsonSql(node: FilterNode, ctx: FilterContext): string {
  switch (node.kind) {
    case "field":
      return fieldSql(ctx.table, node.path).json;
    case "literal":
      return node.value === undefined ? "NULL::jsonb" : `${ctx.params.add(JSON.stringify(toStored(node.value, "filter value")))}::jsonb`;
    case "arith":
      return `${ARITH_FUNCTION}('${node.op}', ${jsonSql(node.left, ctx)}, ${jsonSql(node.right, ctx)})`;
    case "neg":
      return `${ARITH_FUNCTION}('neg', ${jsonSql(node.arg, ctx)}, NULL)`;
    default:
      return `to_jsonb(${booleanSql(node, ctx)})`;
  }
}

function whereClause(plan: QueryPlan, params: Params, after: Position | null): string {
  const conditions = rangeConditions(plan, params);
  if (after !== null) conditions.push(keysetCondition(plan, after, params));
  // chained filters apply in order, like one `and`
  if (plan.filters.length > 0) conditions.push(shortCircuit(plan.filters, { table: plan.index.table, params }, "and"));
  return conditions.length === 0 ? "" : ` WHERE ${conditions.join(" AND ")}`;
}

/** The column {@link compileSelect} adds with `filtersAsColumn`: whether the row passes the filters. */
export const PASSES_FILTERS_COLUMN = "_convoy_passes";

/**
 * `SELECT … WHERE <range> [AND <keyset>] [AND <filters>] ORDER BY <index columns> [LIMIT n]`,
 * with exactly the index's expressions, so the planner walks the index with no sort.
 * `filtersAsColumn`: the filters are not applied but computed as the boolean column
 * {@link PASSES_FILTERS_COLUMN}, so `LIMIT` bounds the rows scanned (`maximumRowsRead`).
 */
export function compileSelect(plan: QueryPlan, options: { after?: Position | null; limit?: number | null; filtersAsColumn?: boolean } = {}): CompiledQuery {
  if (options.filtersAsColumn === true || plan.filters.length > 0 || !rangeOnFieldColumns(plan)) return buildSelect(plan, options);
  // Without filters, and with the range on field columns only, the text depends on the plan's
  // shape alone (and, on promoted columns, on the flags written into it): built once per shape,
  // only the parameters are computed per call.
  const after = options.after ?? null;
  const range = rangeParams(plan, after);
  if (range === null) return buildSelect(plan, options);
  const { eq, lower, upper } = plan.range;
  const shape = `${eq.length} ${lower?.op ?? ""} ${upper?.op ?? ""} ${after === null ? "" : "after"} ${plan.order} ${options.limit ?? ""} ${range.flags}`;
  let byShape = selectShapes.get(plan.index);
  if (byShape === undefined) selectShapes.set(plan.index, (byShape = new Map<string, string>()));
  const sql = byShape.get(shape);
  if (sql === undefined) {
    const compiled = buildSelect(plan, options);
    if (byShape.size < MAX_SHAPES_PER_INDEX) byShape.set(shape, compiled.sql);
    return compiled;
  }
  return { sql, params: range.params };
}

/** Statement texts by plan shape, per index (see {@link compileSelect}). */
const selectShapes = new WeakMap<ResolvedIndex, Map<string, string>>();
/** Shapes kept per index (`take(n)` with many `n` must not grow the cache without bound). */
const MAX_SHAPES_PER_INDEX = 64;

/** Whether every column the range compares is a field column (a sort key or a promoted column's tuple, never folded to TRUE/FALSE by type). */
function rangeOnFieldColumns(plan: QueryPlan): boolean {
  const { columns } = plan.index;
  const { eq, lower, upper } = plan.range;
  const isField = (column: IndexColumn | undefined) => column?.kind === "key" || column?.kind === "promoted";
  for (let i = 0; i < eq.length; i++) if (!isField(columns[i])) return false;
  if (lower === null && upper === null) return true;
  const boundColumn = columns[eq.length];
  return boundColumn === undefined || isField(boundColumn);
}

/**
 * The parameters {@link buildSelect} gives a plan of {@link rangeOnFieldColumns} without
 * filters, in the same order, with the flags its promoted tuples write into the text; `null`
 * when a promoted column's value is not a plain tuple (another type, a cut string, a cursor
 * position that does not fit): {@link buildSelect} handles those.
 */
function rangeParams(plan: QueryPlan, after: Position | null): { params: unknown[]; flags: string } | null {
  const { columns } = plan.index;
  const { eq, lower, upper } = plan.range;
  const params: unknown[] = [];
  let flags = "";
  const add = (column: IndexColumn, value: Value | undefined): boolean => {
    if (column.kind !== "promoted") {
      params.push(sortKey(value));
      return true;
    }
    const tuple = promotedTuple(column, value);
    if (tuple === null || tuple.cut) return false;
    for (const part of tuple.values) {
      if (typeof part === "boolean") flags += part ? "t" : "f";
      else params.push(part[0]);
    }
    return true;
  };
  for (let i = 0; i < eq.length; i++) if (!add(columns[i]!, eq[i])) return null;
  const boundColumn = columns[eq.length];
  if (boundColumn !== undefined) {
    if (lower !== null && !add(boundColumn, lower.value)) return null;
    if (upper !== null && !add(boundColumn, upper.value)) return null;
  }
  if (after !== null) {
    if (after.length !== columns.length) throw new FrameworkError("INTERNAL", "position does not match the index");
    for (let i = eq.length; i < columns.length; i++) {
      const column = columns[i]!;
      const value = after[i]!;
      if (column.kind === "promoted") {
        const decoded = scalarFromSortKey(value as string);
        if (!("value" in decoded) || !add(column, decoded.value)) return null;
      } else params.push(column.kind === "key" ? Buffer.from(value as string, "hex") : value);
    }
  }
  return { params, flags };
}

function buildSelect(plan: QueryPlan, options: { after?: Position | null; limit?: number | null; filtersAsColumn?: boolean }): CompiledQuery {
  const params = new Params();
  const asColumn = options.filtersAsColumn === true;
  const where = whereClause(asColumn ? { ...plan, filters: [] } : plan, params, options.after ?? null);
  const passes = asColumn ? `, ${plan.filters.length === 0 ? "TRUE" : booleanSql({ kind: "and", args: [...plan.filters] }, { table: plan.index.table, params })} AS "${PASSES_FILTERS_COLUMN}"` : "";
  const direction = plan.order === "asc" ? "" : " DESC";
  // Columns the range fixes to one value are left out of ORDER BY: Postgres still walks the
  // index in order (an equality-fixed leading column does not change it) but no longer computes
  // the plpgsql sort key of every returned row for the sort columns.
  const orderBy = plan.index.columns
    .slice(plan.range.eq.length < plan.index.columns.length ? plan.range.eq.length : 0)
    .flatMap((column) => column.parts.map((part) => `${part}${direction}`))
    .join(", ");
  const limit = options.limit === undefined || options.limit === null ? "" : ` LIMIT ${checkLimit(options.limit)}`;
  return { sql: `SELECT ${rowSql(plan.index.table).select}${passes} FROM ${plan.index.table.sqlName}${where} ORDER BY ${orderBy}${limit}`, params: params.values };
}

/** The key of {@link compileRowsFilter}'s input that numbers the rows (top-level user fields cannot start with `_`; the system columns are `_id` and `_creation_time`). */
const ROW_NUMBER_FIELD = "_convoy_row";

/**
 * A filter evaluated over given rows instead of the table: `rows` are whole rows of `table`
 * (its columns by name, jsonb columns as JSON values), sent as one `jsonb` parameter; the
 * statement answers one `allowed` boolean per row, in order, computed by the very SQL that
 * queries compile (same value order, same missing-field semantics).
 */
export function compileRowsFilter(table: CatalogTable, node: FilterNode, rows: readonly Record<string, unknown>[]): CompiledQuery {
  const params = new Params();
  const input = params.add(JSON.stringify(rows.map((row, i) => ({ ...row, [ROW_NUMBER_FIELD]: i }))));
  // the recordset has the row's stored columns only: keys are computed from the document
  const condition = booleanSql(node, { table: { ...table, storage: tableStorage(table.storage.fieldColumns) }, params });
  const columns = table.storage.columns.map((column, i) => `${quoteName(column)} ${i === 0 ? "text" : i === 1 ? "float8" : "jsonb"}`);
  const from = `jsonb_to_recordset(${input}::jsonb) AS r(${[...columns, `${quoteName(ROW_NUMBER_FIELD)} int`].join(", ")})`;
  return { sql: `SELECT ${condition} AS allowed FROM ${from} ORDER BY ${quoteName(ROW_NUMBER_FIELD)}`, params: params.values };
}

/** `SELECT count(*) … WHERE <range> [AND <filters>]`. */
export function compileCount(plan: QueryPlan): CompiledQuery {
  const params = new Params();
  const where = whereClause(plan, params, null);
  return { sql: `SELECT count(*) AS n FROM ${plan.index.table.sqlName}${where}`, params: params.values };
}

function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new FrameworkError("INTERNAL", `invalid limit ${limit}`);
  return limit;
}

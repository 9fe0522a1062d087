import { FrameworkError } from "../errors/index.js";
import type { CatalogIndex, CatalogTable } from "../storage/catalog.js";
import { CREATION_TIME_COLUMN, ID_COLUMN, indexColumnsSql, indexFieldSql } from "../storage/field-expression.js";
import type { PromotedColumnType } from "../storage/promoted-column.js";
import { checkValue } from "../values/check-value.js";
import type { Value } from "../values/value.js";

/** A bound of an index range on one field. */
export interface RangeBound {
  op: "gt" | "gte" | "lt" | "lte";
  value: Value | undefined;
}

/**
 * An index range as Convex defines it: equality on a prefix of the index fields, then at most
 * one lower and one upper bound on the next field.
 */
export interface IndexRange {
  /** Values of the first `eq.length` range fields. */
  eq: (Value | undefined)[];
  lower: RangeBound | null;
  upper: RangeBound | null;
}

/** How an index column compares: a `bytea` sort key, a native system column, or a switched promoted column (its typed column's expressions). */
export type ColumnKind = "key" | "creationTime" | "id" | "promoted";

/** One column of an index as the compiler sees it (one field, or a system column). */
export interface IndexColumn {
  /** The SQL expression, exactly as in the index definition (from `indexColumnsSql`); a promoted field's expressions joined by `, `. */
  sql: string;
  /** The index expressions of the column, in order (one, except for a promoted field: see `promotedKeyParts`). */
  parts: readonly string[];
  kind: ColumnKind;
  /** The type of a promoted column. */
  type?: PromotedColumnType;
}

/** An index with what the compiler needs: its range fields and its SQL columns. */
export interface ResolvedIndex {
  table: CatalogTable;
  index: CatalogIndex;
  /** Fields a range may name, in order (user fields, then `_creationTime`; `["_id"]` for `by_id`). */
  rangeFields: readonly string[];
  /** The index columns in order; `columns[i]` belongs to `rangeFields[i]`, then come the tie-breakers. */
  columns: readonly IndexColumn[];
}

/** Resolved indexes by table, then name: every query resolves one or two, so build each once. */
const resolved = new WeakMap<CatalogTable, Map<string, ResolvedIndex>>();

/** Looks up an index of a table (`by_creation_time` and `by_id` included). The result is shared: do not change it. */
export function resolveIndex(table: CatalogTable, indexName: string): ResolvedIndex {
  let byName = resolved.get(table);
  const cached = byName?.get(indexName);
  if (cached !== undefined && cached.index === table.indexes.get(indexName)) return cached;
  const index = buildResolvedIndex(table, indexName);
  if (byName === undefined) resolved.set(table, (byName = new Map<string, ResolvedIndex>()));
  byName.set(indexName, index);
  return index;
}

function buildResolvedIndex(table: CatalogTable, indexName: string): ResolvedIndex {
  const index = table.indexes.get(indexName);
  if (index === undefined) {
    const known = [...table.indexes.keys()].map((name) => JSON.stringify(name)).join(", ");
    throw new FrameworkError("INTERNAL", `index "${indexName}" does not exist on table "${table.name}" (its indexes: ${known})`);
  }
  const isById = index.fields.length === 1 && index.fields[0] === "_id";
  if (isById) {
    const sql = indexColumnsSql(table, index.fields)[0]!;
    return { table, index, rangeFields: ["_id"], columns: [{ sql, parts: [sql], kind: "id" }] };
  }
  const fieldColumns = index.fields.map((field): IndexColumn => {
    const parts = indexFieldSql(table, field);
    const type = table.storage.promotedFields.get(field);
    return type === undefined ? { sql: parts[0]!, parts, kind: "key" } : { sql: parts.join(", "), parts, kind: "promoted", type };
  });
  const system = indexColumnsSql(table, []);
  const columns: IndexColumn[] = [...fieldColumns, { sql: system[0]!, parts: [system[0]!], kind: "creationTime" }, { sql: system[1]!, parts: [system[1]!], kind: "id" }];
  // the system columns must be the native columns the index is built on
  if (columns.at(-2)!.sql !== `"${CREATION_TIME_COLUMN}"` || columns.at(-1)!.sql !== `"${ID_COLUMN}"`) {
    throw new FrameworkError("INTERNAL", "unexpected index column layout");
  }
  return { table, index, rangeFields: [...index.fields, "_creationTime"], columns };
}

function rangeError(index: ResolvedIndex, message: string): FrameworkError {
  return new FrameworkError("INTERNAL", `invalid index range on ${index.table.name}.${index.index.name}: ${message}`);
}

function checkRangeValue(index: ResolvedIndex, method: string, field: string, value: unknown): Value | undefined {
  if (value === undefined) return undefined;
  const issue = checkValue(value, `${method}("${field}", value)`);
  if (issue !== null) throw rangeError(index, issue.message);
  return value as Value;
}

/**
 * The `q` of `withIndex(name, q => …)`: records the range and throws at call time on anything
 * Convex rejects (a field out of order, `eq` after a bound, two lower or two upper bounds,
 * bounds on different fields, a field the index does not have). The two bounds may come in
 * either order: `q.lt("n", 9).gt("n", 2)` is the range of `q.gt("n", 2).lt("n", 9)`.
 */
export class IndexRangeBuilderImpl {
  /** Brand of the typed `IndexRange` (type only). */
  declare readonly __isIndexRange: true;
  readonly range: IndexRange = { eq: [], lower: null, upper: null };
  private boundField: string | null = null;

  constructor(private readonly index: ResolvedIndex) {}

  eq(field: string, value: unknown): this {
    this.checkField("eq", field);
    if (this.boundField !== null) {
      throw rangeError(this.index, `eq("${field}") cannot follow a range bound (gt/gte/lt/lte on "${this.boundField}"); equalities come first`);
    }
    this.expectNext("eq", field);
    this.range.eq.push(checkRangeValue(this.index, "eq", field, value));
    return this;
  }

  gt(field: string, value: unknown): this {
    return this.lowerBound("gt", field, value);
  }

  gte(field: string, value: unknown): this {
    return this.lowerBound("gte", field, value);
  }

  lt(field: string, value: unknown): this {
    return this.upperBound("lt", field, value);
  }

  lte(field: string, value: unknown): this {
    return this.upperBound("lte", field, value);
  }

  private lowerBound(op: "gt" | "gte", field: string, value: unknown): this {
    this.checkField(op, field);
    if (this.range.lower !== null) throw rangeError(this.index, `${op}("${field}") is a second lower bound (there is already ${this.range.lower.op})`);
    this.boundSameField(op, field, "upper");
    this.range.lower = { op, value: checkRangeValue(this.index, op, field, value) };
    return this;
  }

  private upperBound(op: "lt" | "lte", field: string, value: unknown): this {
    this.checkField(op, field);
    if (this.range.upper !== null) throw rangeError(this.index, `${op}("${field}") is a second upper bound (there is already ${this.range.upper.op})`);
    this.boundSameField(op, field, "lower");
    this.range.upper = { op, value: checkRangeValue(this.index, op, field, value) };
    return this;
  }

  /** The first bound picks the next index field; the other bound (in either order) must name the same one. */
  private boundSameField(op: RangeBound["op"], field: string, other: "lower" | "upper"): void {
    if (this.boundField !== null) {
      if (field !== this.boundField) throw rangeError(this.index, `${op}("${field}") must bound the same field as the ${other} bound ("${this.boundField}")`);
      return;
    }
    this.expectNext(op, field);
    this.boundField = field;
  }

  private checkField(method: string, field: unknown): asserts field is string {
    if (typeof field !== "string" || !this.index.rangeFields.includes(field)) {
      throw rangeError(
        this.index,
        `${method}(${JSON.stringify(field)}): the index has no field ${JSON.stringify(field)} (fields in order: ${this.index.rangeFields.join(", ")})`,
      );
    }
  }

  private expectNext(method: string, field: string): void {
    const next = this.index.rangeFields[this.range.eq.length];
    if (field !== next) {
      throw rangeError(
        this.index,
        `${method}("${field}") is out of order: the next field of the index is ${next === undefined ? "none" : `"${next}"`} (fields must be used in index order: ${this.index.rangeFields.join(", ")})`,
      );
    }
  }
}

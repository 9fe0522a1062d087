import type { GenericTableInfo } from "../schema/data-model.js";
import type { DocumentByInfo, IndexNames, NamedIndex } from "./field-types.js";
import type { ExpressionOrValue, FilterBuilder } from "./filter-builder.js";
import type { IndexRange, IndexRangeBuilder } from "./index-range-builder.js";

/** An opaque pagination cursor (signed; tampering is rejected with `BAD_REQUEST`). */
export type Cursor = string;

/** What `paginate` takes; `paginationOptsValidator` validates it in `args`. */
export interface PaginationOptions {
  /** Documents per page; clamped to the runtime's `limits.maxPageSize` (default 1024). */
  numItems: number;
  cursor: Cursor | null;
  /**
   * At most this many index rows are examined, documents that `filter` drops included: bounds
   * the work of a selective filter. A page cut short says `pageStatus: "SplitRequired"`.
   */
  maximumRowsRead?: number;
}

/** One page of results. `continueCursor` fetches the next page; `isDone` says there is none. */
export interface PaginationResult<TItem> {
  page: TItem[];
  isDone: boolean;
  continueCursor: Cursor;
  /** A cursor after the page's middle document (with a `pageStatus`), or `null`. */
  splitCursor?: Cursor | null;
  /** `"SplitRequired"`: `maximumRowsRead` cut the page short; `"SplitRecommended"`: it came close. */
  pageStatus?: "SplitRecommended" | "SplitRequired" | null;
}

/** A query with its order chosen: filter it, then read it. */
export interface OrderedQuery<TTableInfo extends GenericTableInfo> extends AsyncIterable<DocumentByInfo<TTableInfo>> {
  /** Keep only documents matching the predicate; runs in SQL. Several `filter`s are ANDed. */
  filter(predicate: (q: FilterBuilder<TTableInfo>) => ExpressionOrValue<boolean>): this;
  /** A page of results with keyset pagination (never `OFFSET`). */
  paginate(options: PaginationOptions): Promise<PaginationResult<DocumentByInfo<TTableInfo>>>;
  /** Every matching document. */
  collect(): Promise<DocumentByInfo<TTableInfo>[]>;
  /** The first `n` matching documents. */
  take(n: number): Promise<DocumentByInfo<TTableInfo>[]>;
  /** The first matching document, or `null`. */
  first(): Promise<DocumentByInfo<TTableInfo> | null>;
  /** The only matching document, or `null`; throws if there is more than one. */
  unique(): Promise<DocumentByInfo<TTableInfo> | null>;
  /** How many documents match, computed by SQL `count` without fetching them. */
  count(): Promise<number>;
}

/** A query whose order can still be chosen. */
export interface Query<TTableInfo extends GenericTableInfo> extends OrderedQuery<TTableInfo> {
  /** `asc` (default) or `desc`, in index order then `_creationTime` then `_id`. */
  order(order: "asc" | "desc"): OrderedQuery<TTableInfo>;
}

/**
 * `ctx.db.query(table)`: choose an index range, or scan the whole table.
 *
 * @example
 * await ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", "ada")).order("desc").take(20);
 */
export interface QueryInitializer<TTableInfo extends GenericTableInfo> extends Query<TTableInfo> {
  /** Read the whole table in creation order. */
  fullTableScan(): Query<TTableInfo>;
  /** Read a range of an index (all of it without a range). */
  withIndex<TIndexName extends IndexNames<TTableInfo>>(
    indexName: TIndexName,
    indexRange?: (q: IndexRangeBuilder<DocumentByInfo<TTableInfo>, NamedIndex<TTableInfo, TIndexName>>) => IndexRange,
  ): Query<TTableInfo>;
}

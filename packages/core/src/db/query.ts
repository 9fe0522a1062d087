import { DatabaseError, FrameworkError } from "../errors/index.js";
import type { Queryable } from "../driver/index.js";
import type { AccessLog, IndexRangeRead, RangeBounds } from "../storage/access-log.js";
import type { CatalogTable } from "../storage/catalog.js";
import { fieldValue, indexKeyHex, tupleKeyHex } from "../storage/index-key.js";
import { sortKeyHex } from "../storage/sort-key.js";
import { decodeCursor, encodeCursor, queryDigest, type CursorKeys, type CursorPosition } from "./cursor.js";
import type { DocumentCache } from "./document-cache.js";
import { decodeRow, type Document, type DocumentRow } from "./documents.js";
import { FilterBuilderImpl, FilterExpression, type FilterNode } from "./filter-builder.js";
import { QueryArgumentError } from "./query-argument-error.js";
import { IndexRangeBuilderImpl, resolveIndex, type IndexRange } from "./index-range.js";
import { PASSES_FILTERS_COLUMN, compileCount, compileSelect, type CompiledQuery, type Position, type QueryPlan } from "./query-compiler.js";
import { FILTER_ERROR_STATES } from "../storage/sql/filter-functions.js";
import { readInBatches, type ReadBudget } from "./read-budget.js";
import { READ_ALLOWED, type ReadRule } from "./database-rules.js";
import type { Value } from "../values/value.js";

/** Rows fetched per statement by async iteration. */
export const ITERATION_BATCH_SIZE = 100;

/** The largest page `paginate` returns unless the runtime's `limits.maxPageSize` says otherwise. */
export const DEFAULT_MAX_PAGE_SIZE = 1024;

/** What a query needs from the database it belongs to. */
export interface QueryContext {
  tx: Queryable;
  log: AccessLog;
  /** The key(s) that sign pagination cursors: one secret, or a key ring (see createCursorKeys). */
  cursorSecret: string | CursorKeys;
  /** The call's rows by id: fetched rows are remembered there (see DocumentCache). */
  cache?: DocumentCache;
  /** `paginate` clamps `numItems` to this (default {@link DEFAULT_MAX_PAGE_SIZE}). */
  maxPageSize?: number;
  /** The call's read limits: every row fetched is charged, large reads are fetched in batches. */
  budget?: ReadBudget;
  /**
   * The table's read rule in this call (SPEC §10): a filter rule is ANDed, first, into every
   * statement; a predicate rule is applied to the rows as they stream in.
   */
  readRule?: ReadRule;
}

/** The options of `paginate`, as Convex defines them. */
export interface PaginationOptions {
  numItems: number;
  cursor: string | null;
  /** At most this many index rows are examined (filtered-out rows count); see `paginate`. */
  maximumRowsRead?: number | null;
  /** Not supported: a value other than `null` is rejected. */
  maximumBytesRead?: number | null;
  /**
   * Where the page ends (a `continueCursor` of an earlier page, as Convex's clients send it): the
   * page holds every document up to it, whatever `numItems`, and continues at it.
   */
  endCursor?: string | null;
  /** Accepted for Convex compatibility (`paginationOptsValidator`), unused. */
  id?: number;
}

/** The result of `paginate`. */
export interface PaginationResult<TDocument = Document> {
  page: TDocument[];
  isDone: boolean;
  continueCursor: string;
  /** With `pageStatus`: a cursor that splits the page in two (after its middle document), or `null`. */
  splitCursor?: string | null;
  /**
   * `"SplitRequired"`: `maximumRowsRead` stopped the page before `numItems` documents (continue
   * from `continueCursor`); `"SplitRecommended"`: the page read over 3/4 of `maximumRowsRead`.
   */
  pageStatus?: "SplitRecommended" | "SplitRequired" | null;
}

interface QueryState {
  plan: QueryPlan;
  indexChosen: boolean;
  orderChosen: boolean;
}

/** Hex bounds of a query's whole range in its index (see access-log.ts). */
function rangeBounds(plan: QueryPlan): { lower: string; upper: string | null } {
  const prefix = tupleKeyHex(plan.range.eq);
  const { lower, upper } = plan.range;
  const keyOf = (value: unknown) => sortKeyHex(value as never);
  return {
    lower: lower === null ? prefix : lower.op === "gte" ? prefix + keyOf(lower.value) : `${prefix}${keyOf(lower.value)}ff`,
    upper: upper === null ? (prefix === "" ? null : `${prefix}ff`) : upper.op === "lt" ? prefix + keyOf(upper.value) : `${prefix}${keyOf(upper.value)}ff`,
  };
}

/** The values of a document's full key in an index (what `indexKey` encodes), in order. */
function indexValues(document: Document, fields: readonly string[]): (Value | undefined)[] {
  if (fields.length === 1 && fields[0] === "_id") return [document._id];
  const values: (Value | undefined)[] = [];
  for (const field of fields) if (field !== "_id") values.push(fieldValue(document, field));
  values.push(document._creationTime, document._id);
  return values;
}

/** An object, array or bytes: a value its holder can change in place. */
const isNested = (value: Value | undefined): boolean => typeof value === "object" && value !== null;

/** Maximum of two inclusive lower bounds; minimum of two exclusive upper bounds (`null` = +∞). */
const maxLower = (a: string, b: string) => (a > b ? a : b);
const minUpper = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a < b ? a : b);

/**
 * `ctx.db.query(table)`: Convex's query builder over one table, untyped. Builder methods return
 * a new query (the original is unchanged); terminal methods run SQL.
 */
export class QueryImpl {
  constructor(
    private readonly context: QueryContext,
    private readonly state: QueryState,
  ) {}

  /** A query over the whole table in `by_creation_time` order. */
  static create(context: QueryContext, table: CatalogTable): QueryImpl {
    const index = resolveIndex(table, "by_creation_time");
    return new QueryImpl(context, { plan: { index, range: { eq: [], lower: null, upper: null }, order: "asc", filters: [] }, indexChosen: false, orderChosen: false });
  }

  private with(changes: Partial<QueryPlan>, flags: Partial<Omit<QueryState, "plan">> = {}): QueryImpl {
    // literals, not spreads: a builder step is on every query's path, and spreading takes V8's slow path
    const { state } = this;
    const { plan } = state;
    return new QueryImpl(this.context, {
      plan: { index: changes.index ?? plan.index, range: changes.range ?? plan.range, order: changes.order ?? plan.order, filters: changes.filters ?? plan.filters },
      indexChosen: flags.indexChosen ?? state.indexChosen,
      orderChosen: flags.orderChosen ?? state.orderChosen,
    });
  }

  private get table(): CatalogTable {
    return this.state.plan.index.table;
  }

  /** Reads an index, optionally restricted to a range (`q.eq(...).gt(...).lt(...)`). */
  withIndex(indexName: string, rangeBuilder?: (q: IndexRangeBuilderImpl) => unknown): QueryImpl {
    if (this.state.indexChosen) throw new FrameworkError("INTERNAL", `query on "${this.table.name}": withIndex/fullTableScan may be called only once`);
    if (this.state.plan.filters.length > 0 || this.state.orderChosen) {
      throw new FrameworkError("INTERNAL", `query on "${this.table.name}": withIndex must come before filter and order`);
    }
    const index = resolveIndex(this.table, indexName);
    const builder = new IndexRangeBuilderImpl(index);
    if (rangeBuilder !== undefined) rangeBuilder(builder);
    const range: IndexRange = builder.range;
    return this.with({ index, range }, { indexChosen: true });
  }

  /** Reads the whole table (`by_creation_time`). */
  fullTableScan(): QueryImpl {
    if (this.state.indexChosen) throw new FrameworkError("INTERNAL", `query on "${this.table.name}": withIndex/fullTableScan may be called only once`);
    return this.with({ index: resolveIndex(this.table, "by_creation_time"), range: { eq: [], lower: null, upper: null } }, { indexChosen: true });
  }

  /** `"asc"` (default) or `"desc"`: reverses index order, then `_creationTime`, then `_id`. */
  order(order: "asc" | "desc"): QueryImpl {
    if (order !== "asc" && order !== "desc") throw new FrameworkError("INTERNAL", `order must be "asc" or "desc", got ${JSON.stringify(order)}`);
    if (this.state.orderChosen) throw new FrameworkError("INTERNAL", `query on "${this.table.name}": order may be specified only once`);
    return this.with({ order }, { orderChosen: true });
  }

  /** Keeps the documents for which the expression is `true` (runs in SQL). Chained filters are ANDed. */
  filter(predicate: (q: FilterBuilderImpl) => unknown): QueryImpl {
    const result = predicate(new FilterBuilderImpl());
    const node: FilterNode =
      result instanceof FilterExpression ? result.node : { kind: "literal", value: result === true };
    return this.with({ filters: [...this.state.plan.filters, node] });
  }

  /** The plan the statements run: the user's, with a filter read rule as its first filter. */
  private get sqlPlan(): QueryPlan {
    const rule = this.context.readRule;
    return rule?.kind === "filter" ? { ...this.state.plan, filters: [rule.node, ...this.state.plan.filters] } : this.state.plan;
  }

  /** The predicate read rule, if the table has one in this call. */
  private get predicate(): ((document: Document) => Promise<boolean>) | undefined {
    const rule = this.context.readRule;
    return rule?.kind === "predicate" ? rule.allows : undefined;
  }

  /** The plan (for tests and tools). @internal */
  get plan(): QueryPlan {
    return this.state.plan;
  }

  /** The SQL a fetch would run (for tests and EXPLAIN). @internal */
  compile(options: { limit?: number | null; after?: Position | null } = {}): CompiledQuery {
    return compileSelect(this.sqlPlan, options);
  }

  /** The SQL `count()` runs. @internal */
  compileCount(): CompiledQuery {
    return compileCount(this.sqlPlan);
  }

  async collect(): Promise<Document[]> {
    const rows = await this.fetchReadable(null, null);
    this.recordRead(null, null);
    return rows;
  }

  async take(n: number): Promise<Document[]> {
    if (!Number.isSafeInteger(n) || n < 0) throw new QueryArgumentError(`take(n): n must be a non-negative integer, got ${String(n)}`, n);
    if (n === 0) return [];
    const rows = await this.fetchReadable(null, n);
    this.recordRead(null, rows.length === n ? rows.at(-1)! : null);
    return rows;
  }

  async first(): Promise<Document | null> {
    const rows = await this.take(1);
    return rows[0] ?? null;
  }

  async unique(): Promise<Document | null> {
    const rows = await this.fetchReadable(null, 2);
    this.recordRead(null, null);
    if (rows.length > 1) {
      throw new FrameworkError(
        "INTERNAL",
        `unique() found more than one document in "${this.table.name}" (${rows[0]!._id}, ${rows[1]!._id}, …): use first() or take(n), or narrow the query`,
      );
    }
    return rows[0] ?? null;
  }

  /** The number of matching documents: one SQL `count(*)`, no documents fetched. */
  async count(): Promise<number> {
    if (this.predicate !== undefined) {
      // A predicate runs in JavaScript: count the documents it allows.
      const allowed = await this.fetchReadable(null, null);
      this.recordRead(null, null);
      return allowed.length;
    }
    const { sql, params } = compileCount(this.sqlPlan);
    const { rows } = await this.run(sql, params);
    this.recordRead(null, null);
    return Number(rows[0]!.n);
  }

  /**
   * One page of a keyset pagination: `numItems` documents after the cursor (`null` = from the
   * start), whether the query is exhausted, and the cursor of the next page (an "end" cursor
   * when done). Never OFFSET: rows inserted or deleted between pages are neither skipped nor
   * repeated. `numItems` is clamped to the call's `maxPageSize` (default 1024): a larger
   * request gets a full page that is not done. `maximumRowsRead` bounds the index rows
   * examined, filtered-out ones included, as in Convex: a page it cuts short has
   * `pageStatus: "SplitRequired"` and continues after the last row examined. With `endCursor`
   * (what Convex's `usePaginatedQuery` sends) the page ends exactly there (see `paginateTo`); one
   * that grew past twice `numItems` comes with `splitCursor` and `pageStatus: "SplitRecommended"`.
   */
  async paginate(options: PaginationOptions): Promise<PaginationResult> {
    if (typeof options !== "object" || options === null) throw new FrameworkError("BAD_REQUEST", "paginate: options must be { numItems, cursor }");
    const { numItems, cursor, maximumRowsRead, maximumBytesRead } = options;
    if (typeof numItems !== "number" || !Number.isSafeInteger(numItems) || numItems < 0) {
      throw new FrameworkError("BAD_REQUEST", `paginate: numItems must be a non-negative integer, got ${String(numItems)}`);
    }
    if (maximumRowsRead !== undefined && maximumRowsRead !== null && (typeof maximumRowsRead !== "number" || !Number.isSafeInteger(maximumRowsRead) || maximumRowsRead < 1)) {
      throw new FrameworkError("BAD_REQUEST", `paginate: maximumRowsRead must be a positive integer, got ${String(maximumRowsRead)}`);
    }
    if (maximumBytesRead !== undefined && maximumBytesRead !== null) {
      throw new FrameworkError("BAD_REQUEST", "paginate: maximumBytesRead is not supported by Convoy; bound the page with maximumRowsRead");
    }
    const pageSize = Math.min(numItems, this.context.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE);
    const digest = queryDigest(this.sqlPlan);
    const kinds = this.state.plan.index.columns.map((column) => column.kind);
    const version = this.table.storage.version;
    if (typeof options.endCursor === "string") {
      const from: CursorPosition = decodeCursor(this.context.cursorSecret, digest, version, cursor, kinds);
      const end = decodeCursor(this.context.cursorSecret, digest, version, options.endCursor, kinds);
      if (from.kind === "end") return { page: [], isDone: true, continueCursor: options.endCursor };
      const page = await this.paginateTo(from.kind === "after" ? from.position : null, end, options.endCursor);
      // A pinned page that grew past twice its size: Convex's clients split it there.
      if (pageSize > 0 && page.page.length > 2 * pageSize) {
        page.splitCursor = encodeCursor(this.context.cursorSecret, digest, version, { kind: "after", position: this.positionOf(page.page[Math.floor(page.page.length / 2) - 1]!) });
        page.pageStatus = "SplitRecommended";
      }
      return page;
    }
    if (typeof maximumRowsRead === "number") return this.paginateBounded(pageSize, cursor, maximumRowsRead);
    const start: CursorPosition = decodeCursor(this.context.cursorSecret, digest, version, cursor, kinds);
    const endCursor = () => encodeCursor(this.context.cursorSecret, digest, version, { kind: "end" });
    if (start.kind === "end") return { page: [], isDone: true, continueCursor: endCursor() };
    const after = start.kind === "after" ? start.position : null;
    const rows = await this.fetchReadable(after, pageSize + 1);
    const isDone = rows.length <= pageSize;
    const page = isDone ? rows : rows.slice(0, pageSize);
    // the rows examined: up to the look-ahead row when there is one, else the whole range
    this.recordRead(after, isDone ? null : rows.at(-1)!);
    if (isDone) return { page, isDone, continueCursor: endCursor() };
    const last = page.at(-1);
    const next: CursorPosition = last === undefined ? start : { kind: "after", position: this.positionOf(last) };
    return { page, isDone, continueCursor: encodeCursor(this.context.cursorSecret, digest, version, next) };
  }

  /**
   * `paginate` with `endCursor` (as Convex's reactive pagination uses it): every document after
   * `after` up to the end cursor's position (inclusive; to the end of the range for an "end"
   * cursor), whatever `numItems`. The page keeps its end while rows are inserted or deleted, so
   * the page that starts at `endCursor` neither repeats nor skips one.
   */
  private async paginateTo(after: Position | null, end: CursorPosition, endCursor: string): Promise<PaginationResult> {
    if (end.kind === "start") return { page: [], isDone: false, continueCursor: endCursor };
    if (end.kind === "end") {
      const page = await this.fetchReadable(after, null);
      this.recordRead(after, null);
      return { page, isDone: true, continueCursor: endCursor };
    }
    const endKey = positionKeyHex(this.state.plan, end.position);
    const fields = this.state.plan.index.index.fields;
    const asc = this.state.plan.order === "asc";
    const page: Document[] = [];
    let lookAhead: Document | null = null;
    let position = after;
    while (lookAhead === null) {
      const rows = await this.fetchReadable(position, ITERATION_BATCH_SIZE);
      for (const row of rows) {
        const key = indexKeyHex(row, fields);
        if (asc ? key > endKey : key < endKey) {
          lookAhead = row;
          break;
        }
        page.push(row);
      }
      if (rows.length < ITERATION_BATCH_SIZE) break;
      position = this.positionOf(rows.at(-1)!);
    }
    // read up to the first row past the end (a row inserted before it changes the page)
    this.recordRead(after, lookAhead);
    return { page, isDone: false, continueCursor: endCursor };
  }

  /**
   * `paginate` with `maximumRowsRead`: one statement reads at most that many rows of the range
   * (filters computed as a column rather than applied, so filtered-out rows count), then the
   * page is the first `pageSize` rows that pass.
   */
  private async paginateBounded(pageSize: number, cursor: string | null, maximumRowsRead: number): Promise<PaginationResult> {
    const digest = queryDigest(this.sqlPlan);
    const kinds = this.state.plan.index.columns.map((column) => column.kind);
    const version = this.table.storage.version;
    const start: CursorPosition = decodeCursor(this.context.cursorSecret, digest, version, cursor, kinds);
    const cursorAfter = (document: Document): string => encodeCursor(this.context.cursorSecret, digest, version, { kind: "after", position: this.positionOf(document) });
    if (start.kind === "end") return { page: [], isDone: true, continueCursor: encodeCursor(this.context.cursorSecret, digest, version, { kind: "end" }) };
    const after = start.kind === "after" ? start.position : null;
    // Without filters every row read is a result: read no further than one look-ahead row.
    const predicate = this.predicate;
    const limit = this.sqlPlan.filters.length === 0 && predicate === undefined ? Math.min(maximumRowsRead, pageSize + 1) : maximumRowsRead;
    const scanned = await this.fetchScan(after, limit);
    const page: Document[] = [];
    let lookAhead: Document | null = null;
    for (const { document, passes } of scanned) {
      if (!passes || (predicate !== undefined && !(await predicate(document)))) continue;
      if (page.length < pageSize) page.push(document);
      else {
        lookAhead = document;
        break;
      }
    }
    const rangeExhausted = scanned.length < limit;
    if (lookAhead === null && rangeExhausted) {
      this.recordRead(after, null);
      return { page, isDone: true, continueCursor: encodeCursor(this.context.cursorSecret, digest, version, { kind: "end" }) };
    }
    // Examined up to the look-ahead row, or up to the last row the limit let us read.
    const lastExamined = lookAhead ?? scanned.at(-1)!.document;
    this.recordRead(after, lastExamined);
    const last = lookAhead === null ? lastExamined : page.at(-1);
    const continueCursor = last === undefined ? encodeCursor(this.context.cursorSecret, digest, version, start) : cursorAfter(last);
    const truncated = lookAhead === null && page.length < pageSize;
    const nearLimit = scanned.length * 4 > maximumRowsRead * 3;
    const pageStatus = truncated ? "SplitRequired" : nearLimit ? "SplitRecommended" : null;
    const splitCursor = pageStatus !== null && page.length >= 2 ? cursorAfter(page[Math.floor(page.length / 2) - 1]!) : null;
    return { page, isDone: false, continueCursor, splitCursor, pageStatus };
  }

  /** Streams the documents in batches of {@link ITERATION_BATCH_SIZE}, one keyset statement each. */
  async *[Symbol.asyncIterator](): AsyncIterator<Document> {
    const bounds = rangeBounds(this.state.plan);
    const record: IndexRangeRead = { kind: "range", table: this.table.name, index: this.state.plan.index.index.name, ...bounds };
    let recorded = false;
    let after: Position | null = null;
    for (;;) {
      const rows = await this.fetch(after, ITERATION_BATCH_SIZE);
      const done = rows.length < ITERATION_BATCH_SIZE;
      const narrowed = this.narrow(bounds, null, done ? null : rows.at(-1)!);
      record.lower = narrowed.lower;
      record.upper = narrowed.upper;
      if (!recorded) {
        this.context.log.read(record);
        recorded = true;
      }
      const predicate = this.predicate;
      for (const row of rows) if (predicate === undefined || (await predicate(row))) yield row;
      if (done) return;
      after = this.positionOf(rows.at(-1)!);
    }
  }

  /** The index columns of a document (a keyset position). */
  private positionOf(document: Document): Position {
    const { index, columns } = this.state.plan.index;
    const userFields = index.fields.filter((field) => field !== "_id");
    return columns.map((column, i) => {
      if (column.kind === "creationTime") return document._creationTime;
      if (column.kind === "id") return document._id;
      return sortKeyHex(fieldValue(document, userFields[i]!));
    });
  }

  /** Narrows the whole range to what was scanned: after `after` (exclusive), up to `last` (inclusive). */
  private narrow(bounds: { lower: string; upper: string | null }, after: Position | null, last: Document | null): { lower: string; upper: string | null } {
    let { lower, upper } = bounds;
    const asc = this.state.plan.order === "asc";
    if (after !== null) {
      const key = positionKeyHex(this.state.plan, after);
      if (asc) lower = maxLower(lower, `${key}00`);
      else upper = minUpper(upper, key);
    }
    if (last !== null) {
      const key = indexKeyHex(last, this.state.plan.index.index.fields);
      if (asc) upper = minUpper(upper, `${key}00`);
      else lower = maxLower(lower, key);
    }
    return { lower, upper };
  }

  /** {@link narrow} with the last row given by its index values (see {@link indexValues}). */
  private narrowToValues(bounds: RangeBounds, after: Position | null, lastValues: (Value | undefined)[] | null): RangeBounds {
    let { lower, upper } = this.narrow(bounds, after, null);
    if (lastValues !== null) {
      const key = tupleKeyHex(lastValues);
      if (this.state.plan.order === "asc") upper = minUpper(upper, `${key}00`);
      else lower = maxLower(lower, key);
    }
    return { lower, upper };
  }

  /**
   * Records the range read, its keys computed only if someone reads them (see AccessLog.readRange).
   * What they depend on is captured now: the handler may change the documents it got back.
   */
  private recordRead(after: Position | null, last: Document | null): void {
    const plan = this.state.plan;
    const lastValues = last === null ? null : indexValues(last, plan.index.index.fields);
    const compute = (): RangeBounds => this.narrowToValues(rangeBounds(plan), after, lastValues);
    // Nested values can be changed in place: their keys are computed before the handler goes on.
    const { eq, lower, upper } = plan.range;
    const eager = (lastValues !== null && lastValues.some(isNested)) || eq.some(isNested) || isNested(lower?.value) || isNested(upper?.value);
    if (eager) this.context.log.read({ kind: "range", table: this.table.name, index: plan.index.index.name, ...compute() });
    else this.context.log.readRange(this.table.name, plan.index.index.name, compute);
  }

  /**
   * Up to `limit` documents the read rule allows, after `after`. With a predicate rule, reads
   * further batches until `limit` documents pass or the range ends, so `take(n)` returns `n`
   * allowed documents whenever they exist.
   */
  private async fetchReadable(after: Position | null, limit: number | null): Promise<Document[]> {
    const predicate = this.predicate;
    if (predicate === undefined) return this.fetch(after, limit);
    const allowed: Document[] = [];
    let position = after;
    let batch = limit;
    for (;;) {
      const rows = await this.fetch(position, batch);
      for (const row of rows) {
        if (!(await predicate(row))) continue;
        allowed.push(row);
        if (allowed.length === limit) return allowed;
      }
      if (batch === null || limit === null || rows.length < batch) return allowed;
      position = this.positionOf(rows.at(-1)!);
      batch = Math.max(limit - allowed.length, ITERATION_BATCH_SIZE);
    }
  }

  private async fetch(after: Position | null, limit: number | null): Promise<Document[]> {
    const budget = this.context.budget;
    if (budget === undefined) return this.fetchBatch(after, limit);
    return readInBatches(budget, this.table, limit, (last: Document | null, n) => this.fetchBatch(last === null ? after : this.positionOf(last), n));
  }

  private async fetchBatch(after: Position | null, limit: number | null): Promise<Document[]> {
    const { sql, params } = compileSelect(this.sqlPlan, { after, limit });
    const cache = this.context.cache;
    const version = cache?.version();
    const rows = (await this.run(sql, params)).rows as DocumentRow[];
    this.context.budget?.charge(rows, this.table);
    // Every row passed a filter read rule: a later `get` or write of it needs no check.
    const stamp = version !== undefined && this.context.readRule?.kind === "filter";
    const documents = new Array<Document>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (stamp) row[READ_ALLOWED] = true;
      if (version !== undefined) cache!.remember(row._id, row, version);
      documents[i] = decodeRow(row, this.table);
    }
    return documents;
  }

  /** Up to `limit` rows of the range after `after`, each with whether it passes the filters. */
  private async fetchScan(after: Position | null, limit: number): Promise<{ document: Document; passes: boolean }[]> {
    const { sql, params } = compileSelect(this.sqlPlan, { after, limit, filtersAsColumn: true });
    const cache = this.context.cache;
    const version = cache?.version();
    const rows = (await this.run(sql, params)).rows as (DocumentRow & Record<typeof PASSES_FILTERS_COLUMN, boolean>)[];
    this.context.budget?.charge(rows, this.table);
    return rows.map((row) => {
      const passes = row[PASSES_FILTERS_COLUMN];
      if (version !== undefined) cache!.remember(row._id, row, version);
      return { document: decodeRow(row, this.table), passes };
    });
  }

  private async run(sql: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[] }> {
    try {
      return await this.context.tx.query(sql, params);
    } catch (error) {
      if (error instanceof DatabaseError && FILTER_ERROR_STATES.has(error.sqlState) && this.sqlPlan.filters.length > 0) {
        throw new FrameworkError("INTERNAL", `query on "${this.table.name}": filter expression failed: ${error.message.replace(/^convoy: /, "")}`, { cause: error });
      }
      throw error;
    }
  }
}

/** The full index key (hex) of a keyset position. */
export function positionKeyHex(plan: QueryPlan, position: Position): string {
  return plan.index.columns
    .map((column, i) => {
      const value = position[i]!;
      return column.kind === "key" || column.kind === "promoted" ? (value as string) : sortKeyHex(value);
    })
    .join("");
}

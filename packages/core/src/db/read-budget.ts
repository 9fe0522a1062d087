import { FrameworkError } from "../errors/framework-error.js";
import type { Row } from "../driver/driver.js";

/** The read limits of one call (a subset of the runtime's `CallLimits`). */
export interface ReadLimits {
  /** Documents `ctx.db` may return in one call (default 32 000, as Convex). */
  readonly maxDocumentsRead: number;
  /** Bytes of stored JSON those documents may hold (default 16 MiB, as Convex). */
  readonly maxBytesRead: number;
}

/** Defaults of {@link ReadLimits}: Convex's 32 000 documents and 16 MiB per call. */
export const DEFAULT_READ_LIMITS: ReadLimits = Object.freeze({ maxDocumentsRead: 32_000, maxBytesRead: 16 * 1024 * 1024 });

/** Rows a read of unbounded size (`collect()`) asks for first while a table's row size is still unknown to this process. */
export const COLD_BATCH_ROWS = 64;

/** A bounded read of at most this many rows (`take(n)`, a page and its look-ahead row) is always one statement. */
const SMALL_READ_ROWS = 1025;

/** Rows one batch may ask for at most relative to the previous one of the same read. */
const GROWTH = 8;

/**
 * Stored size of a row per table, from the batches read so far (keyed by the catalog's table
 * object, so a new schema starts over): sizes the first batch of a large read so that it stays
 * within the bytes left, without an extra statement to measure.
 */
const rowBytesByTable = new WeakMap<object, number>();

/**
 * What one call attempt has read through `ctx.db`, against its {@link ReadLimits}: every
 * document returned (gets, query results, pages, iteration; nested calls share the budget).
 * `count()` reads no documents. Past a limit the read throws `LIMIT_EXCEEDED` (HTTP 400), whose
 * message names the limit, its value and how to stay under it.
 *
 * Bytes are those of the stored JSON of the rows, measured as they arrive (strings count their
 * length in UTF-16 units plus quotes, numbers 8), before they are decoded.
 *
 * @example
 * const budget = new ReadBudget(DEFAULT_READ_LIMITS, 'query "messages:all"');
 * budget.charge(rows, table); // throws LIMIT_EXCEEDED past 32 000 documents or 16 MiB
 */
export class ReadBudget {
  private documents = 0;
  private bytes = 0;

  constructor(
    readonly limits: ReadLimits,
    /** Names the call in the error, e.g. `query "messages:all"`. */
    private readonly describe: string,
    /** Told the error when a limit is passed (the runtime fails the call with it even if user code catches it). */
    private readonly onExceeded?: (error: FrameworkError) => void,
  ) {}

  /** Documents and bytes read so far. */
  get read(): { documents: number; bytes: number } {
    return { documents: this.documents, bytes: this.bytes };
  }

  /**
   * How many rows the next statement of a read should ask for: at most `wanted`, at most one
   * past the documents left (so that exceeding is detected without pulling more), and about as
   * many as fit in the bytes left at the table's known row size (`previous`: the rows asked for
   * by the previous batch of the same read, which bounds growth).
   */
  batchSize(table: object, wanted: number, previous = 0): number {
    const leftDocuments = Math.max(0, this.limits.maxDocumentsRead - this.documents);
    let size = Math.min(wanted, leftDocuments + 1);
    const rowBytes = rowBytesByTable.get(table);
    if (rowBytes === undefined) size = Math.min(size, wanted <= SMALL_READ_ROWS ? wanted : COLD_BATCH_ROWS);
    else size = Math.min(size, Math.floor(Math.max(0, this.limits.maxBytesRead - this.bytes) / Math.max(1, rowBytes)) + 1);
    if (previous > 0) size = Math.min(size, previous * GROWTH);
    return Math.max(1, size);
  }

  /** Count rows the database returned; throws `LIMIT_EXCEEDED` once past a limit. */
  charge(rows: readonly Row[], table?: object): void {
    if (rows.length === 0) return;
    let bytes = 0;
    for (const row of rows) bytes += rowBytes(row);
    this.documents += rows.length;
    this.bytes += bytes;
    if (table !== undefined) {
      // Rises at once, decays by halves: a read of a few small rows does not make the next
      // large read of a table of big rows ask for far too many.
      const known = rowBytesByTable.get(table) ?? 0;
      rowBytesByTable.set(table, Math.max(bytes / rows.length, known / 2));
    }
    const { maxDocumentsRead, maxBytesRead } = this.limits;
    if (this.documents > maxDocumentsRead) {
      this.exceeded(
        "LIMIT_EXCEEDED",
        `${this.describe} read more than ${maxDocumentsRead} documents (limits.maxDocumentsRead); use an index range, take(n) or paginate, or raise the limit`,
        { data: { limit: "maxDocumentsRead", value: maxDocumentsRead } },
      );
    }
    if (this.bytes > maxBytesRead) {
      this.exceeded(
        "LIMIT_EXCEEDED",
        `${this.describe} read more than ${maxBytesRead} bytes of documents (limits.maxBytesRead); use an index range, take(n) or paginate, or raise the limit`,
        { data: { limit: "maxBytesRead", value: maxBytesRead } },
      );
    }
  }

  private exceeded(code: "LIMIT_EXCEEDED", message: string, options: { data: { limit: keyof ReadLimits; value: number } }): never {
    const error = new FrameworkError(code, message, options);
    this.onExceeded?.(error);
    throw error;
  }
}

/**
 * Read `wanted` rows (`null`: all) of a range in batches sized by the budget, each batch a
 * keyset continuation after the last row of the previous one. A read that fits in one batch is
 * one statement, as without a budget.
 */
export async function readInBatches<TDocument>(
  budget: ReadBudget,
  table: object,
  wanted: number | null,
  fetchBatch: (after: TDocument | null, limit: number) => Promise<TDocument[]>,
): Promise<TDocument[]> {
  const total = wanted ?? Number.POSITIVE_INFINITY;
  let size = budget.batchSize(table, total);
  let rows = await fetchBatch(null, size);
  if (rows.length < size || rows.length >= total) return rows;
  const all = rows;
  while (all.length < total && rows.length === size) {
    size = budget.batchSize(table, total - all.length, size);
    rows = await fetchBatch(all.at(-1)!, size);
    for (const row of rows) all.push(row);
  }
  return all;
}

/** Approximate bytes of a row's stored JSON: the sum over its columns. */
function rowBytes(row: Row): number {
  let bytes = 0;
  for (const key in row) bytes += key.length + valueBytes(row[key]);
  return bytes;
}

function valueBytes(value: unknown): number {
  switch (typeof value) {
    case "string":
      return value.length + 2;
    case "number":
    case "bigint":
      return 8;
    case "boolean":
      return 5;
    case "object": {
      if (value === null) return 4;
      if (Array.isArray(value)) {
        let bytes = 2;
        for (const item of value) bytes += valueBytes(item) + 1;
        return bytes;
      }
      if (value instanceof Uint8Array) return value.byteLength;
      let bytes = 2;
      const object = value as Record<string, unknown>;
      for (const key in object) bytes += key.length + 4 + valueBytes(object[key]);
      return bytes;
    }
    default:
      return 0;
  }
}

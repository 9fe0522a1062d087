import type { DocumentRow } from "./documents.js";

/** How many rows one call's cache holds at most; past it, new rows are simply not cached. */
export const DOCUMENT_CACHE_LIMIT = 10_000;

/**
 * The rows one transaction has read, by id, shared by every `ctx.db` of one call attempt
 * (nested `runQuery`/`runMutation` included), so that `patch`/`replace` after a `get` (or after
 * a query that returned the document) do not fetch the row again, and a repeated `get` is free.
 *
 * Exact because a transaction reads one snapshot plus its own writes, and its statements run
 * in the order they are issued:
 * - entries come only from rows the database returned to this transaction (or `null` after
 *   this transaction deleted the id);
 * - a write calls {@link invalidate} before its statement is issued: the entry goes, and no read
 *   issued before the write may fill the cache afterwards (reads pass the {@link version} they
 *   were issued at to {@link remember});
 * - a rolled back savepoint calls {@link clear} before issuing `ROLLBACK TO` (see CallScope).
 *
 * Rows are never handed out: readers decode them into fresh documents.
 */
export class DocumentCache {
  private readonly rows = new Map<string, DocumentRow | null>();
  private writes = 0;

  /** Take this before issuing a read whose rows may be remembered. */
  version(): number {
    return this.writes;
  }

  /** The cached row of `id` (`null`: known not to exist), or `undefined` when not cached. */
  get(id: string): DocumentRow | null | undefined {
    return this.rows.get(id);
  }

  /**
   * Remember what the database returned for `id` (`null`: no row) to a read issued at
   * `version`; ignored when anything was written or rolled back since.
   */
  remember(id: string, row: DocumentRow | null, version: number): void {
    if (version !== this.writes) return;
    if (this.rows.size >= DOCUMENT_CACHE_LIMIT && !this.rows.has(id)) return;
    this.rows.set(id, row);
  }

  /** `id` is about to be written: forget it, and ignore reads issued until now. */
  invalidate(id: string): void {
    this.writes++;
    this.rows.delete(id);
  }

  /** A savepoint is about to be rolled back: forget everything, and ignore reads issued until now. */
  clear(): void {
    this.writes++;
    this.rows.clear();
  }
}

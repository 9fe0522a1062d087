import type { QueryResult, Row } from "./driver.js";

/** Longest key (statement text and parameters) a read is shared under; longer reads run alone. */
const MAX_KEY_LENGTH = 4096;

/**
 * Identical reads that wait for the database share one statement. A read-only statement
 * outside a transaction that finds an identical one (same text, same parameters) still queued
 * for a connection waits for that one's rows instead of queuing a statement of its own.
 *
 * Sharing never returns an older result than running alone would: a read joins only a
 * statement that has not started, so that statement's snapshot is taken after every reader
 * sharing it arrived. Each reader gets its own `rows` array; the row objects are shared, and
 * nothing above the driver changes them (documents are built as fresh objects).
 *
 * @example
 * const shared = new SharedReads();
 * shared.run(sharedReadKey(sql, params), (started) => pool.connect().then((client) => { started(); … }));
 */
export class SharedReads {
  /** Reads queued, not yet started, by key. */
  private readonly queued = new Map<string, Promise<QueryResult>>();

  /**
   * Runs `read`, or joins the identical read queued under `key` (`undefined`: never shared).
   * `read` calls `started()` once it holds the connection, right before its statement is sent:
   * from then on, later reads queue a statement of their own.
   */
  run<TRow extends Row>(key: string | undefined, read: (started: () => void) => Promise<QueryResult<TRow>>): Promise<QueryResult<TRow>> {
    if (key === undefined) return read(noop);
    const queued = this.queued.get(key) as Promise<QueryResult<TRow>> | undefined;
    if (queued !== undefined) return queued.then(ownRows);
    // set once `read` has returned (it may call `started` before that)
    const entry: { promise?: Promise<QueryResult> } = {};
    let open = true;
    const close = (): void => {
      if (!open) return;
      open = false;
      if (entry.promise !== undefined && this.queued.get(key) === entry.promise) this.queued.delete(key);
    };
    const promise = read(close);
    entry.promise = promise;
    // `read` may have started (and closed) synchronously: only an open read takes joiners.
    if (open) {
      this.queued.set(key, promise);
      promise.then(close, close);
    }
    return promise;
  }
}

/** The key a read-only statement is shared under, `undefined` when its parameters are not all plain scalars. */
export function sharedReadKey(sql: string, params: readonly unknown[] | undefined): string | undefined {
  if (params !== undefined) {
    for (const param of params) {
      const type = typeof param;
      // NaN and ±Infinity would print as `null`: such reads run alone
      if (type === "number" ? !Number.isFinite(param) : param !== null && type !== "string" && type !== "boolean") return undefined;
    }
  }
  const key = params === undefined || params.length === 0 ? sql : `${sql}\u0000${JSON.stringify(params)}`;
  return key.length <= MAX_KEY_LENGTH ? key : undefined;
}

function ownRows<TRow extends Row>(result: QueryResult<TRow>): QueryResult<TRow> {
  return { rows: result.rows.slice(), rowCount: result.rowCount };
}

function noop(): void {}

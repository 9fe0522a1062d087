/** A row as the driver returns it: column name to JS value. */
export type Row = Record<string, unknown>;

/** The result of one statement. */
export interface QueryResult<TRow extends Row = Row> {
  rows: TRow[];
  /** Rows inserted, updated or deleted (0 for other statements). */
  rowCount: number;
}

/** Anything that runs parameterised SQL: the driver itself or an open transaction. */
export interface Queryable {
  /**
   * Run one statement with `$1…$n` parameters. Parameters: strings, numbers, booleans, null,
   * `Uint8Array` (bytea) and plain objects/arrays (sent as JSON text; cast with `::jsonb`).
   * Results: `jsonb` parsed, `float8` as number, `bytea` as `Uint8Array`, `int8`/`numeric` as string.
   */
  query<TRow extends Row = Row>(sql: string, params?: readonly unknown[], options?: StatementOptions): Promise<QueryResult<TRow>>;
  /**
   * Run a statement whose result nobody needs (a blind write) later: sent with the next
   * statement of the transaction, or with `COMMIT`, in the same round trip. Its failure fails
   * that statement or the commit (the transaction is rolled back either way). The pg
   * and PGlite drivers' transactions have it; elsewhere `await query(...)` instead.
   */
  defer?(sql: string, params?: readonly unknown[]): void;
}

/** Options of one statement ({@link Queryable.query}). */
export interface StatementOptions {
  /**
   * The statement only reads (the caller knows: a query function's statement). A driver may skip
   * what a write needs: on a durable PGlite, the read of the WAL position a commit is synced to
   * (about 50 µs of CPU in WebAssembly).
   */
  readOnly?: boolean;
}

export type IsolationLevel = "read committed" | "repeatable read" | "serializable";

export interface TransactionOptions {
  isolation?: IsolationLevel;
  readOnly?: boolean;
  /**
   * `SET LOCAL statement_timeout` (ms), sent with `BEGIN` in the same round trip. PGlite accepts
   * it but cannot enforce it (WebAssembly has no timer signals): there, only `signal` bounds work.
   */
  statementTimeoutMs?: number;
  /**
   * `SET LOCAL convoy.origin` (letters, digits, `_`, `-`), sent with `BEGIN` in the same round
   * trip: the external-write triggers skip the transaction's writes (their origin publishes them).
   */
  origin?: string;
  /**
   * Aborting it ends the transaction: `transaction()` rolls back (once the statement in flight,
   * if any, has ended), frees the connection and rejects with the signal's reason. Later
   * statements on the handle fail. An already aborted signal starts nothing.
   */
  signal?: AbortSignal;
  /** Like `signal`, as a deadline the transaction races (the runtime's call context: no `AbortController` per call). */
  deadline?: TransactionDeadline;
}

/** A deadline a transaction races (see {@link TransactionOptions.deadline}). */
export interface TransactionDeadline {
  /** The error the transaction ends with once the deadline has passed; `undefined` before. */
  readonly expiredError: Error | undefined;
  /** `promise`, or a rejection with the deadline's error as soon as it passes, whichever comes first. */
  untilExpired<T>(promise: Promise<T>): Promise<T>;
}

/** Called with the payload of every notification on a channel. */
export type NotificationHandler = (payload: string) => void;

/**
 * The small interface everything above the driver talks to. Two implementations: `pg`
 * (a pool, for real servers) and PGlite (one connection; transactions are queued).
 * Errors are normalised: Postgres errors become `DatabaseError` (SQLSTATE kept), a lost or
 * refused connection becomes a `FrameworkError` with code `UNAVAILABLE`.
 */
export interface Driver extends Queryable {
  readonly kind: "pg" | "pglite";
  /**
   * Run `fn` in one transaction: committed when it resolves, rolled back when it throws.
   * Never retries; callers decide (see the runner).
   */
  transaction<T>(options: TransactionOptions, fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Subscribe to `NOTIFY` on a channel. Resolves to an unsubscribe function. */
  listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>>;
  /** Send a notification (delivered on commit when called inside a transaction via SQL). */
  notify(channel: string, payload: string): Promise<void>;
  /**
   * Resolves when the database is up, rejects with `UNAVAILABLE` otherwise, without queuing
   * behind the calls in progress (`GET /api/health` uses it): pg checks on a connection of its
   * own, PGlite answers from its state when busy.
   */
  health?(): Promise<void>;
  /** Connections of the pool (pg): open, idle, and callers waiting for one (metrics). */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

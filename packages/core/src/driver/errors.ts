import { DatabaseError } from "../errors/database-error.js";
import { FrameworkError } from "../errors/framework-error.js";

/** Node.js socket error codes that mean the database could not be reached or the link dropped. */
const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ENOTCONN",
  // out of file descriptors: no connection can be opened now
  "EMFILE",
  "ENFILE",
]);

/**
 * SQLSTATEs that mean the session is gone: class 08 (connection exception), admin/crash
 * shutdown (57P01, 57P02), "cannot connect now" (57P03) and idle-session timeouts (57P05).
 */
function isConnectionSqlState(code: string): boolean {
  return code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03" || code === "57P05";
}

/** Messages `pg`, `pg-pool` and PGlite use for a lost, refused or closed connection. */
const CONNECTION_MESSAGES: readonly RegExp[] = [
  /connection terminated/i,
  /terminating connection/i,
  /timeout exceeded when trying to connect/i,
  /cannot use a pool after calling end/i,
  /client was closed and is not queryable/i,
  /client has encountered a connection error/i,
  /connection refused/i,
  // pg's client-side query_timeout: no answer on the link
  /query read timeout/i,
  /the server closed the connection/i,
  /pglite is closed/i,
];

const SQLSTATE = /^[0-9A-Z]{5}$/;

type ErrorLike = Record<string, unknown>;

function isObject(value: unknown): value is ErrorLike {
  return typeof value === "object" && value !== null;
}

function stringField(error: ErrorLike, key: string): string | undefined {
  const value = error[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (isObject(error)) {
    const message = stringField(error, "message");
    if (message !== undefined) return message;
  }
  return String(error);
}

/** Whether `error` is a Postgres error report (as opposed to a Node socket error). */
function sqlStateOf(error: ErrorLike): string | undefined {
  const code = stringField(error, "code");
  if (code === undefined || !SQLSTATE.test(code) || CONNECTION_ERROR_CODES.has(code)) return undefined;
  // Node system errors carry `syscall`/`errno`; Postgres error reports never do.
  if ("syscall" in error || "errno" in error) return undefined;
  return code;
}

/**
 * Whether `error` (anything thrown by `pg`, `pg-pool` or PGlite) means the database is
 * unreachable or the connection broke, rather than that a statement failed.
 */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof FrameworkError) return error.code === "UNAVAILABLE";
  if (!isObject(error)) return false;
  const code = stringField(error, "code");
  if (code !== undefined) {
    if (CONNECTION_ERROR_CODES.has(code)) return true;
    const sqlState = sqlStateOf(error);
    if (sqlState !== undefined) return isConnectionSqlState(sqlState);
  }
  // Node reports a failed multi-address connect as an AggregateError of socket errors.
  const nested = error.errors;
  if (Array.isArray(nested) && nested.length > 0 && nested.every((inner) => isConnectionError(inner))) return true;
  const message = messageOf(error);
  return CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
}

/** Whether `error` is an error report the server sent (it has a SQLSTATE), rather than a socket or client-side failure. */
export function isServerReport(error: unknown): boolean {
  return isObject(error) && !(error instanceof FrameworkError) && sqlStateOf(error) !== undefined;
}

/**
 * Normalise anything thrown by `pg` or PGlite:
 * - a lost, refused or closed connection becomes `FrameworkError("UNAVAILABLE")`;
 * - a Postgres error report becomes a {@link DatabaseError} keeping SQLSTATE, detail,
 *   constraint, table, column, schema and hint;
 * - framework errors and anything else are returned unchanged.
 *
 * @example
 * try { await pool.query(sql) } catch (error) { throw normalizeDriverError(error) }
 */
export function normalizeDriverError(error: unknown): unknown {
  if (error instanceof FrameworkError) return error;
  if (isConnectionError(error)) {
    return new FrameworkError("UNAVAILABLE", `database unavailable: ${messageOf(error) || "connection failed"}`, { cause: error });
  }
  if (!isObject(error)) return error;
  const sqlState = sqlStateOf(error);
  if (sqlState === undefined) return error;
  return new DatabaseError(
    messageOf(error),
    {
      sqlState,
      detail: stringField(error, "detail"),
      hint: stringField(error, "hint"),
      constraint: stringField(error, "constraint"),
      table: stringField(error, "table"),
      column: stringField(error, "column"),
      schema: stringField(error, "schema"),
    },
    error,
  );
}

/** Socket errors of a link that was up and then dropped (not a refused or hung one). */
const DROPPED_LINK_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ENOTCONN"]);

/** What `pg` says when a connection it had is gone. */
const DROPPED_LINK_MESSAGES: readonly RegExp[] = [
  /connection terminated/i,
  /terminating connection/i,
  /the server closed the connection/i,
  /client has encountered a connection error/i,
  /client was closed and is not queryable/i,
];

/**
 * Whether `error` means an established connection died (its backend was terminated, the
 * server restarted, the socket was reset): a fresh connection may well work at once. Refused
 * connections, connect timeouts and a link that stopped answering are not such errors (trying
 * again would only wait again), nor is a commit whose outcome is unknown.
 */
export function isDroppedConnectionError(error: unknown): boolean {
  if (error instanceof FrameworkError) {
    if (error.code !== "UNAVAILABLE" || isCommitOutcomeUnknown(error)) return false;
    return error.cause !== undefined && isDroppedConnectionError(error.cause);
  }
  if (!isObject(error)) return false;
  const code = stringField(error, "code");
  if (code !== undefined && DROPPED_LINK_CODES.has(code)) return true;
  const sqlState = sqlStateOf(error);
  if (sqlState !== undefined) return sqlState === "57P01" || sqlState === "57P02" || sqlState === "57P05" || sqlState === "08006" || sqlState === "08003";
  return DROPPED_LINK_MESSAGES.some((pattern) => pattern.test(messageOf(error)));
}

/**
 * The error of a read-write transaction whose connection failed after `COMMIT` was sent and
 * before its answer: the server may have committed or not. `UNAVAILABLE` with
 * `data: { commitOutcome: "unknown" }`; never retried by Convoy (see docs/limits.md).
 */
export function commitOutcomeUnknownError(cause: unknown): FrameworkError {
  return new FrameworkError(
    "UNAVAILABLE",
    "the connection to the database was lost after COMMIT was sent: the outcome is unknown, the mutation may or may not have been applied; check before running it again",
    { cause, data: { commitOutcome: "unknown" } },
  );
}

/** Whether `error` is a {@link commitOutcomeUnknownError}. */
export function isCommitOutcomeUnknown(error: unknown): boolean {
  if (!(error instanceof FrameworkError) || !isObject(error.data)) return false;
  return error.data.commitOutcome === "unknown";
}

/** The error thrown when `COMMIT` finds the transaction already aborted (Postgres answers `ROLLBACK`). */
export function abortedCommitError(): DatabaseError {
  return new DatabaseError("transaction was aborted by an earlier error and has been rolled back", { sqlState: "25P02" });
}

/** The error thrown when a transaction handle is used after its transaction ended. */
export function finishedTransactionError(): FrameworkError {
  return new FrameworkError("INTERNAL", "transaction already finished: do not use its handle after transaction() returns");
}

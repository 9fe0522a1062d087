import { isCommitOutcomeUnknown } from "../driver/errors.js";
import { DatabaseError } from "../errors/database-error.js";
import { httpStatusOf, type ErrorCode } from "../errors/error-codes.js";
import { FrameworkError } from "../errors/framework-error.js";
import { isConvoyError } from "../values/convoy-error.js";
import { encodeValue } from "../values/encoding.js";
import type { JSONValue } from "../values/value.js";

/** The body of every failed response: `{"error": {"code", "message", "data"?, "path"?}}`. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** `ConvoyError` data (wire-encoded) or a framework error's extra data. */
    data?: unknown;
    /** The offending field below the root, e.g. `items[2].name` (for `ARGS_INVALID` …). */
    path?: string;
    /** Outside development mode, on server faults: the id the server logged the real error under. */
    errorId?: string;
    /** Development mode only. */
    stack?: string;
  };
}

/** How an error is answered: its status and body, and whether it is the server's fault (logged). */
export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  /** `true` for 5xx-class failures worth a server-side log line (never for client mistakes). */
  serverFault: boolean;
  /** Set with `serverFault` outside dev mode: log it with the real error, so a report can be matched to the log. */
  errorId?: string;
}

const GENERIC_INTERNAL = "internal server error";
const GENERIC_UNAVAILABLE = "the database is unavailable; retry later";
const GENERIC_TIMEOUT = "the call did not finish within its time limit";
const GENERIC_COMMIT_UNKNOWN = "the connection to the database was lost while committing: the mutation may or may not have been applied";

/** 5xx codes that are conditions of operation, not bugs: no error id, no server-fault log. */
const OPERATIONAL_CODES: ReadonlySet<ErrorCode> = new Set(["UNAVAILABLE", "TIMEOUT"]);

/** A short random id (8 hex digits) for one server fault; browser-safe (no node:crypto). */
function newErrorId(): string {
  return Math.floor(Math.random() * 0x100000000)
    .toString(16)
    .padStart(8, "0");
}

/**
 * Map anything thrown while answering a request to its response. The only place that decides
 * an error's status (through `httpStatusOf`):
 * - a `ConvoyError` is `APPLICATION_ERROR` with its data encoded as on the wire;
 * - a `FrameworkError` keeps its code, message, `path` and `data`, except outside development
 *   mode: server faults (`INTERNAL`, `RETURNS_INVALID`, database errors: messages that may
 *   name SQL, tables or files) get a generic message with an error id instead, and connection
 *   failures (which may name hosts) a generic `UNAVAILABLE` message; `UNAVAILABLE` and `TIMEOUT`
 *   are conditions of operation, not server faults (no error id, no fault log);
 * - anything else is `INTERNAL`, with a generic message and an error id outside development mode.
 * The error id is in `errorId` (and in the message), for the caller to log the real error
 * under. In development mode (`convoy dev`) server faults and application errors carry the
 * real message and `stack`.
 *
 * @example
 * errorResponse(new FrameworkError("NOT_FOUND", "no public query named \"x:y\""), { dev: false });
 * // { status: 404, body: { error: { code: "NOT_FOUND", message: "no public query named \"x:y\"" } }, serverFault: false }
 */
export function errorResponse(error: unknown, options: { dev: boolean }): ErrorResponse {
  const { dev } = options;
  if (isConvoyError(error)) {
    let data: JSONValue;
    try {
      data = encodeValue(error.data);
    } catch (encodeError) {
      const reason = encodeError instanceof Error ? encodeError.message : String(encodeError);
      if (!dev) return generic("INTERNAL", true);
      return build("INTERNAL", `a ConvoyError was thrown with data that is not a Convoy value: ${reason}`, {}, error, true);
    }
    return build("APPLICATION_ERROR", error.message, { data }, dev ? error : undefined, false);
  }
  if (error instanceof FrameworkError) {
    const serverFault = httpStatusOf(error.code) >= 500 && !OPERATIONAL_CODES.has(error.code);
    if (!dev && (serverFault || error instanceof DatabaseError)) return generic(error.code, serverFault);
    const message = dev ? error.message : error.code === "UNAVAILABLE" ? (isCommitOutcomeUnknown(error) ? GENERIC_COMMIT_UNKNOWN : GENERIC_UNAVAILABLE) : error.message;
    const extra: { data?: unknown; path?: string } = {};
    if (error.data !== undefined) extra.data = error.data;
    if (error.path !== undefined) extra.path = error.path;
    return build(error.code, message, extra, dev && serverFault ? error : undefined, serverFault);
  }
  if (!dev) return generic("INTERNAL", true);
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return build("INTERNAL", message, {}, error, true);
}

/** The answer to a server fault outside dev mode: the code, a generic message and an error id, nothing else. */
function generic(code: ErrorCode, serverFault: boolean): ErrorResponse {
  if (!serverFault) return build(code, code === "TIMEOUT" ? GENERIC_TIMEOUT : code === "UNAVAILABLE" ? GENERIC_UNAVAILABLE : GENERIC_INTERNAL, {}, undefined, false);
  const errorId = newErrorId();
  const response = build(code, `${GENERIC_INTERNAL} (error id ${errorId})`, {}, undefined, true);
  response.body.error.errorId = errorId;
  response.errorId = errorId;
  return response;
}

function build(code: ErrorCode, message: string, extra: { data?: unknown; path?: string }, stackOf: unknown, serverFault: boolean): ErrorResponse {
  const body: ErrorBody = { error: { code, message, ...extra } };
  if (stackOf instanceof Error && typeof stackOf.stack === "string") body.error.stack = stackOf.stack;
  return { status: httpStatusOf(code), body, serverFault };
}

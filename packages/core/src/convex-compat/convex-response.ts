import type { ErrorCode } from "../errors/error-codes.js";
import type { CoreResponse } from "../http/core-types.js";
import { errorResponse } from "../http/error-response.js";
import { jsonResponse } from "../http/json-response.js";
import { isConvoyError } from "../values/convoy-error.js";
import { encodeValue } from "../values/encoding.js";
import type { Value } from "../values/value.js";
import { toCleanJson } from "./clean-json.js";
import type { ConvexFormat } from "./convex-request.js";

/** Convex's status for "the function failed": the body is `{status: "error", …}` (its clients read it). */
export const STATUS_FUNCTION_FAILED = 560;

/**
 * Failures of the call that Convex answers with a plain HTTP error rather than as a failed
 * function: the database or the deadline, not the function's doing (retry), and a refused token.
 */
const NOT_FUNCTION_FAILURES: ReadonlySet<ErrorCode> = new Set(["UNAVAILABLE", "TIMEOUT", "CONFLICT", "UNAUTHENTICATED"]);

/** `200 {"status": "success", "value", "logLines": []}`. */
export function convexSuccess(value: Value, format: ConvexFormat, headers: Record<string, string>): CoreResponse {
  return jsonResponse(200, { status: "success", value: format === "json" ? toCleanJson(value) : encodeValue(value), logLines: [] }, headers);
}

/** What a Convex call answers for an error, and the framework code it stands for. */
export interface ConvexFailure {
  response: CoreResponse;
  code: ErrorCode;
  serverFault: boolean;
  errorId: string | undefined;
}

/**
 * The Convex answer to an error. Convoy's error table decides code and message
 * (`errorResponse`); Convex's protocol decides the shape: a failure of the function itself
 * (`ranFunction`, except the database being unavailable, a timeout, a conflict or a refused
 * token) is `560 {"status": "error", "errorMessage", "errorData"?, "logLines": []}`, with a
 * `ConvoyError`'s data, wire-encoded, as `errorData`; anything else (a bad request, a refused
 * token) is Convoy's own error answer, `{"error": {"code", "message", …}}` with its status
 * (Convex's clients throw that text as an `Error`).
 */
export function convexFailure(error: unknown, options: { dev: boolean; ranFunction: boolean }, headers: Record<string, string>): ConvexFailure {
  const { status, body, serverFault, errorId } = errorResponse(error, { dev: options.dev });
  const { code } = body.error;
  if (!options.ranFunction || NOT_FUNCTION_FAILURES.has(code)) {
    return { response: jsonResponse(status, body, headers), code, serverFault, errorId };
  }
  const failed: Record<string, unknown> = { status: "error", errorMessage: body.error.message, logLines: [] };
  if (isConvoyError(error) && body.error.data !== undefined) failed.errorData = body.error.data;
  return { response: jsonResponse(STATUS_FUNCTION_FAILED, failed, headers), code, serverFault, errorId };
}

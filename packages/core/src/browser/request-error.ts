import type { ErrorCode } from "../errors/error-codes.js";
import type { Value } from "../values/value.js";

/**
 * The code of a {@link ConvoyRequestError}: one of the server's error codes (SPEC §6), or one
 * the client itself gives when there is no answer: `NETWORK_ERROR` (the server could not be
 * reached), `TIMEOUT` (no answer in time), `ABORTED` (the caller's signal fired).
 */
export type ConvoyRequestErrorCode = ErrorCode | "NETWORK_ERROR" | "TIMEOUT" | "ABORTED";

/**
 * A failed call: the server's error `code` (SPEC §6, e.g. `ARGS_INVALID`, `APPLICATION_ERROR`),
 * the HTTP `status` (0 when the server could not be reached), the decoded `data` of a
 * `ConvoyError`, and the `path` of an invalid argument.
 *
 * @example
 * try { await client.mutation(api.messages.send, args) }
 * catch (e) { if (e instanceof ConvoyRequestError && e.code === "APPLICATION_ERROR") show(e.data) }
 */
export class ConvoyRequestError extends Error {
  override readonly name = "ConvoyRequestError";
  readonly code: ConvoyRequestErrorCode;
  readonly status: number;
  readonly data: Value | undefined;
  readonly path: string | undefined;

  constructor(code: ConvoyRequestErrorCode, message: string, status: number, options: { data?: Value; path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = status;
    this.data = options.data;
    this.path = options.path;
  }
}

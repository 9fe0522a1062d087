import type { ErrorCode } from "./error-codes.js";

/** Where in a value an error happened: object keys and array indexes. */
export type ErrorPath = readonly (string | number)[];

/** Options shared by every framework error. */
export interface FrameworkErrorOptions {
  /** Path of the offending field (for `ARGS_INVALID` and `SCHEMA_VALIDATION`). */
  path?: string;
  /** Extra JSON-safe data sent to the caller. */
  data?: unknown;
  cause?: unknown;
}

/**
 * An error raised by Convoy itself (as opposed to {@link ConvoyError}, which user code throws).
 * Its `code` is stable and maps to an HTTP status in `error-codes.ts`.
 *
 * @example
 * throw new FrameworkError("NOT_FOUND", "no function named messages:lst");
 */
export class FrameworkError extends Error {
  override readonly name: string = "FrameworkError";
  readonly code: ErrorCode;
  readonly path: string | undefined;
  readonly data: unknown;

  constructor(code: ErrorCode, message: string, options: FrameworkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options.path;
    this.data = options.data;
  }
}

/** Whether `error` is a {@link FrameworkError} with the given code. */
export function isFrameworkError(error: unknown, code?: ErrorCode): error is FrameworkError {
  return error instanceof FrameworkError && (code === undefined || error.code === code);
}

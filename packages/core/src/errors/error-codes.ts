/**
 * The one table of framework error codes and their HTTP status (SPEC §6).
 * The router maps errors to responses through {@link httpStatusOf}; nothing else does.
 */
export const ERROR_CODES = {
  BAD_REQUEST: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  ARGS_INVALID: 400,
  RETURNS_INVALID: 500,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  APPLICATION_ERROR: 400,
  SCHEMA_VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  /** A call went past one of its limits, e.g. documents or bytes read (SPEC addition). */
  LIMIT_EXCEEDED: 400,
  UNAVAILABLE: 503,
  /** The call ran past its deadline (SPEC addition). */
  TIMEOUT: 504,
  INTERNAL: 500,
} as const;

/** A stable, machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The HTTP status a code is sent with. */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code];
}

/** Whether a string is one of the framework's error codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_CODES, code);
}

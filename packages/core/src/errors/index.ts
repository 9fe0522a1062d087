export { ERROR_CODES, httpStatusOf, isErrorCode, type ErrorCode } from "./error-codes.js";
export { FrameworkError, isFrameworkError, type ErrorPath, type FrameworkErrorOptions } from "./framework-error.js";
export { DatabaseError, type PostgresErrorFields } from "./database-error.js";

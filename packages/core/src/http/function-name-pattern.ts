/** Longest function name the router accepts. */
export const MAX_FUNCTION_NAME_LENGTH = 256;

/**
 * `module/path:export`: module path segments of ASCII letters, digits, `_`, `-` and `.` that
 * do not start with `_`, `.` or `-` (such files are never modules), then an optional
 * `:exportName` that is a JavaScript identifier (without it, the module's default export).
 */
const FUNCTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9][A-Za-z0-9_.-]*)*(?::[A-Za-z_$][A-Za-z0-9_$]*)?$/;

/**
 * Whether a (URL-decoded) name from a request path looks like a function name. Checked before
 * any lookup, so odd input never reaches the registry.
 *
 * @example
 * isValidFunctionName("admin/users:list"); // true
 * isValidFunctionName("../etc/passwd");    // false
 */
export function isValidFunctionName(name: string): boolean {
  return name.length <= MAX_FUNCTION_NAME_LENGTH && FUNCTION_NAME.test(name);
}

import { FrameworkError } from "../errors/framework-error.js";
import type { AnyRegisteredFunction } from "../functions/registered-function.js";
import { checkValue } from "../values/check-value.js";
import { validateValue } from "../values/validate-value.js";
import { isPlainObject, typeName, validationError } from "../values/validation-issue.js";
import type { Value } from "../values/value.js";

/**
 * Check a call's arguments before the handler runs: always a plain object; with `args`,
 * validated strictly (extra fields rejected, optional ones may be omitted); without, any
 * valid Convoy object. `undefined` means `{}`. Throws `ARGS_INVALID` naming the path.
 *
 * @example
 * validateArgs(fn, { author: 1 }); // throws "args.author: expected string, got number" (path "author")
 */
export function validateArgs(fn: AnyRegisteredFunction, args: unknown): Record<string, Value> {
  const value = args === undefined ? {} : args;
  if (!isPlainObject(value)) throw new FrameworkError("ARGS_INVALID", `args: expected object, got ${typeName(value)}`);
  const issue = fn.args === undefined ? checkValue(value, "args") : validateValue(fn.args, value, "args");
  if (issue !== null) throw validationError(issue, "ARGS_INVALID");
  return value as Record<string, Value>;
}

/**
 * Check a handler's result: `undefined` becomes `null` (as in Convex); the result must be a
 * Convoy value and match `returns` when there is one. Throws `RETURNS_INVALID` naming the path.
 *
 * @example
 * validateReturns(fnReturningNumber, "7"); // throws "returns: expected number, got string"
 */
export function validateReturns(fn: AnyRegisteredFunction, result: unknown): Value {
  const value = result === undefined ? null : result;
  const issue = fn.returns === undefined ? checkValue(value, "returns") : validateValue(fn.returns, value, "returns");
  if (issue !== null) throw validationError(issue, "RETURNS_INVALID");
  return value as Value;
}

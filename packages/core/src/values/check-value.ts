import type { ErrorCode } from "../errors/error-codes.js";
import { int64RangeReason } from "./int64.js";
import { reservedKeyReason } from "./reserved-keys.js";
import {
  at,
  fail,
  isArrayBuffer,
  isPlainObject,
  toIssue,
  typeName,
  validationError,
  type Failure,
  type ValidationIssue,
} from "./validation-issue.js";
import { MAX_VALUE_DEPTH, type Value } from "./value.js";

/**
 * Check that an arbitrary JavaScript value is a valid Convoy {@link Value}: primitives, int64
 * bigints, `ArrayBuffer`s, arrays without `undefined` and plain objects (prototype
 * `Object.prototype` or `null`) whose keys do not start with `$` and are not `__proto__`, at
 * any depth. Object fields set to `undefined` count as absent. Returns `null` when valid.
 *
 * @example
 * checkValue({ at: new Date() }, "args")?.message; // "args.at: expected a Convoy value, got Date"
 */
export function checkValue(value: unknown, rootLabel = "value"): ValidationIssue | null {
  const failure = checkAnyValue(value, 0);
  return failure === null ? null : toIssue(failure, rootLabel);
}

/**
 * Like {@link checkValue}, but throws a `FrameworkError` (default code `BAD_REQUEST`) whose
 * message names the path.
 *
 * @example
 * assertValue(result, "result", "INTERNAL");
 */
export function assertValue(value: unknown, rootLabel = "value", code: ErrorCode = "BAD_REQUEST"): asserts value is Value {
  const issue = checkValue(value, rootLabel);
  if (issue !== null) throw validationError(issue, code);
}

/** The walk behind {@link checkValue}; `depth` counts the arrays and objects around `value`. @internal */
export function checkAnyValue(value: unknown, depth: number): Failure | null {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return null;
    case "bigint": {
      const reason = int64RangeReason(value);
      return reason === null ? null : fail(reason);
    }
    case "object":
      if (value === null) return null;
      if (Array.isArray(value)) return checkArray(value, depth);
      if (isPlainObject(value)) return checkObject(value, depth);
      if (isArrayBuffer(value)) return null;
      return fail(`expected a Convoy value, got ${typeName(value)}`);
    default:
      return fail(`expected a Convoy value, got ${typeName(value)}`);
  }
}

/** @internal */
export function depthFailure(): Failure {
  return fail(`value is nested more than ${MAX_VALUE_DEPTH} levels deep (or contains a cycle)`);
}

function checkArray(value: readonly unknown[], depth: number): Failure | null {
  if (depth >= MAX_VALUE_DEPTH) return depthFailure();
  for (let index = 0; index < value.length; index++) {
    const element = value[index];
    if (element === undefined) return at(fail("undefined is not allowed in an array (use null)"), index);
    const failure = checkAnyValue(element, depth + 1);
    if (failure !== null) return at(failure, index);
  }
  return null;
}

function checkObject(value: Record<string, unknown>, depth: number): Failure | null {
  if (depth >= MAX_VALUE_DEPTH) return depthFailure();
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const field = value[key];
    if (field === undefined) continue;
    const reserved = reservedKeyReason(key);
    if (reserved !== null) return at(fail(reserved), key);
    const failure = checkAnyValue(field, depth + 1);
    if (failure !== null) return at(failure, key);
  }
  return null;
}

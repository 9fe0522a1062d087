import { FrameworkError } from "../errors/framework-error.js";
import type { ErrorCode } from "../errors/error-codes.js";

/** One step into a value: an object key or an array index. */
export type PathSegment = string | number;

/**
 * Why a value was rejected, and where.
 *
 * @example
 * const issue = validateValue(v.object({ author: v.string() }), { author: 1 }, "args");
 * issue?.path;    // ["author"]
 * issue?.reason;  // "expected string, got number"
 * issue?.message; // "args.author: expected string, got number"
 */
export interface ValidationIssue {
  /** Keys and indexes from the root value to the offending one. */
  readonly path: readonly PathSegment[];
  /** What is wrong, without the path: `expected string, got number`. */
  readonly reason: string;
  /** The reason prefixed with the path: `args.author: expected string, got number`. */
  readonly message: string;
}

/**
 * A failure found while walking a value. The path is collected in reverse while the recursion
 * unwinds, so the success path allocates nothing.
 * @internal
 */
export interface Failure {
  reversedPath: PathSegment[];
  reason: string;
}

/** @internal */
export function fail(reason: string): Failure {
  return { reversedPath: [], reason };
}

/** Prefix a failure's path with one segment (called while unwinding). @internal */
export function at(failure: Failure, segment: PathSegment): Failure {
  failure.reversedPath.push(segment);
  return failure;
}

/** @internal */
export function toIssue(failure: Failure, rootLabel: string): ValidationIssue {
  const path = failure.reversedPath.reverse();
  return { path, reason: failure.reason, message: `${formatPath(rootLabel, path)}: ${failure.reason}` };
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Write a path the way JavaScript would access it.
 *
 * @example
 * formatPath("args", ["items", 2, "name"]); // "args.items[2].name"
 * formatPath("args", ["a b"]);              // 'args["a b"]'
 * formatPath("", ["author"]);               // "author"
 */
export function formatPath(rootLabel: string, path: readonly PathSegment[]): string {
  let out = rootLabel;
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * A {@link FrameworkError} for an issue, with `path` set to the path below the root
 * (`items[2].name`), for the HTTP error body.
 *
 * @example
 * const issue = validateValue(argsValidator, args, "args");
 * if (issue) throw validationError(issue, "ARGS_INVALID");
 */
export function validationError(issue: ValidationIssue, code: ErrorCode): FrameworkError {
  const path = issue.path.length === 0 ? undefined : formatPath("", issue.path);
  return new FrameworkError(code, issue.message, path === undefined ? {} : { path });
}

/**
 * The name used for a value's type in messages: `string`, `number`, `bigint`, `boolean`,
 * `null`, `undefined`, `bytes`, `array`, `object`, `function`, `symbol`, or a class name
 * such as `Date`.
 */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  if (Array.isArray(value)) return "array";
  if (isArrayBuffer(value)) return "bytes";
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return "object";
  const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? name : "object";
}

/** A short description of a received value: its type, or the value itself for primitives. */
export function describeReceived(value: unknown, showPrimitive: boolean): string {
  if (!showPrimitive) return typeName(value);
  switch (typeof value) {
    case "string":
      return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "boolean":
      return String(value);
    default:
      return typeName(value);
  }
}

/** Whether a value is an `ArrayBuffer` (also one from another realm). */
export function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return value instanceof ArrayBuffer || Object.prototype.toString.call(value) === "[object ArrayBuffer]";
}

/** Whether a value is an object whose prototype is `Object.prototype` or `null`. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

import { FrameworkError } from "../errors/framework-error.js";
import { QueryArgumentError } from "../db/query-argument-error.js";
import { formatPath, type PathSegment } from "../values/validation-issue.js";
import type { Value } from "../values/value.js";

/**
 * Whose mistake an invalid query-method argument is. `take(args.limit)` with `limit: -1` from
 * the client is the client's: Convex-style `ARGS_INVALID` naming the path in the args
 * (`"limit"`). A value that does not occur in the args (a constant, a computed number) stays
 * the developer's `INTERNAL` error. A value found at several places is attributed to the first
 * in depth-first order. Every other error passes through unchanged.
 *
 * @example
 * attributeToArgs(new QueryArgumentError("take(n): …, got -1", -1), { limit: -1 }); // ARGS_INVALID, path "limit"
 */
export function attributeToArgs(error: unknown, args: Record<string, Value>): unknown {
  if (!(error instanceof QueryArgumentError)) return error;
  const path = findValue(args, error.value, []);
  if (path === null) return error;
  const where = formatPath("", path);
  return new FrameworkError("ARGS_INVALID", `args.${where}: ${error.message}`, { path: where, cause: error });
}

const MAX_DEPTH = 64;

function findValue(value: unknown, wanted: unknown, path: PathSegment[]): PathSegment[] | null {
  if (Object.is(value, wanted)) return path;
  if (path.length >= MAX_DEPTH || typeof value !== "object" || value === null || value instanceof ArrayBuffer) return null;
  const entries: [PathSegment, unknown][] = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
  for (const [key, item] of entries) {
    const found = findValue(item, wanted, [...path, key]);
    if (found !== null) return found;
  }
  return null;
}

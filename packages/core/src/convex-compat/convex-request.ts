import { FrameworkError } from "../errors/framework-error.js";
import { decodeArgs, parseJsonBody, type ArgsLimits } from "../http/request-args.js";
import { isPlainObject, typeName } from "../values/validation-issue.js";
import type { Value } from "../values/value.js";

/** Convex's value formats: `convex_encoded_json` (its clients) and the lossy `json` (its HTTP API docs). */
export type ConvexFormat = "convex_encoded_json" | "json";

/** A decoded Convex function request. */
export interface ConvexRequest {
  /** Convex's `path` (`messages:list`); absent for `/api/run/<path>`, whose path is in the URL. */
  path: string | undefined;
  args: Record<string, Value>;
  format: ConvexFormat;
}

function badRequest(message: string): FrameworkError {
  return new FrameworkError("BAD_REQUEST", message);
}

/**
 * Decode the body of a Convex function call: `{"path", "args", "format"}`, where `args` is an
 * object or (as `ConvexHttpClient` sends it) an array holding one object, and `format` is
 * `"convex_encoded_json"` or `"json"` (default). `path` is required unless `pathInUrl`.
 * Anything else is `BAD_REQUEST`; malformed values inside `args` are `ARGS_INVALID`.
 *
 * @example
 * parseConvexRequest(bytes('{"path":"messages:list","format":"convex_encoded_json","args":[{}]}'), limits, false);
 * // { path: "messages:list", args: {}, format: "convex_encoded_json" }
 */
export function parseConvexRequest(body: Uint8Array, limits: ArgsLimits, pathInUrl: boolean): ConvexRequest {
  // The envelope, and the array around the arguments, add two levels.
  const parsed = parseJsonBody(body, limits.maxDepth + 2, limits);
  if (!isPlainObject(parsed)) throw badRequest(`request body must be a JSON object like {"path": "messages:list", "args": {...}}, got ${typeName(parsed)}`);
  let path: string | undefined;
  if (!pathInUrl) {
    if (typeof parsed.path !== "string") throw badRequest(`request body needs "path", the function's name as a string (e.g. "messages:list")`);
    path = parsed.path;
  }
  const format = parsed.format ?? "json";
  if (format !== "json" && format !== "convex_encoded_json") throw badRequest(`unsupported "format" ${JSON.stringify(format)}: use "json" or "convex_encoded_json"`);
  let args: unknown = parsed.args ?? {};
  if (Array.isArray(args)) {
    if (args.length !== 1) throw badRequest(`"args" as an array must hold exactly one object, got ${args.length} elements`);
    args = args[0] as unknown;
  }
  if (!isPlainObject(args)) throw badRequest(`"args" must be a JSON object, got ${typeName(args)}`);
  return { path, args: decodeArgs(args), format };
}

import { FrameworkError } from "../errors/framework-error.js";
import { decodeValue } from "../values/encoding.js";
import { isPlainObject, typeName } from "../values/validation-issue.js";
import type { JSONValue, Value } from "../values/value.js";
import { jsonLimitViolation } from "./json-limits.js";

/** The JSON limits that apply to `args`. */
export interface ArgsLimits {
  maxDepth: number;
  maxArrayLength: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function badRequest(message: string): FrameworkError {
  return new FrameworkError("BAD_REQUEST", message);
}

/** Parse JSON text after checking its depth and array lengths; `BAD_REQUEST` naming `what` otherwise. */
export function parseJson(text: string, what: string, maxDepth: number, limits: ArgsLimits): unknown {
  const violation = jsonLimitViolation(text, maxDepth, limits.maxArrayLength);
  if (violation !== null) throw badRequest(`${what}: ${violation}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest(`${what} is not valid JSON${error instanceof SyntaxError ? `: ${error.message}` : ""}`);
  }
}

/**
 * Parse a request body: UTF-8 JSON within the depth (`maxDepth`) and array-length limits.
 * Invalid UTF-8, malformed JSON or a limit exceeded is `BAD_REQUEST`.
 *
 * @example
 * parseJsonBody(new TextEncoder().encode('{"args":{}}'), limits.maxDepth + 1, limits); // { args: {} }
 */
export function parseJsonBody(body: Uint8Array, maxDepth: number, limits: ArgsLimits): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw badRequest("request body is not valid UTF-8");
  }
  return parseJson(text, "request body", maxDepth, limits);
}

/**
 * Decode wire-format `args` (already parsed JSON, an object) into values. Everything wrong
 * inside them (`$` keys, `__proto__`, malformed `$integer` tags, …) is `ARGS_INVALID` with the
 * path of the field, as SPEC §3 says.
 */
export function decodeArgs(json: Record<string, unknown>): Record<string, Value> {
  let decoded: Value;
  try {
    decoded = decodeValue(json as JSONValue);
  } catch (error) {
    if (!(error instanceof FrameworkError)) throw error;
    const path = error.path;
    const reason = error.message.replace(/^cannot decode value(?: at [^:]*)?: /, "");
    const where = path === undefined ? "args" : path.startsWith("[") ? `args${path}` : `args.${path}`;
    throw new FrameworkError("ARGS_INVALID", `${where}: ${reason}`, path === undefined ? {} : { path });
  }
  if (!isPlainObject(decoded)) throw new FrameworkError("ARGS_INVALID", `args: expected object, got ${typeName(decoded)}`);
  return decoded as Record<string, Value>;
}

/**
 * The `args` of a `POST` call from its raw body: UTF-8 JSON of the form `{"args": {...}}`.
 * Malformed JSON, a body that is not an object, or `args` missing or not an object are
 * `BAD_REQUEST`; so is JSON nested too deep or with too long an array. Other top-level
 * fields are ignored.
 *
 * @example
 * argsFromBody(new TextEncoder().encode('{"args":{"n":{"$integer":"AQAAAAAAAAA="}}}'), limits); // { n: 1n }
 */
export function argsFromBody(body: Uint8Array, limits: ArgsLimits): Record<string, Value> {
  // The envelope `{"args": ...}` adds one level around the arguments.
  const parsed = parseJsonBody(body, limits.maxDepth + 1, limits);
  if (!isPlainObject(parsed)) throw badRequest(`request body must be a JSON object like {"args": {...}}, got ${typeName(parsed)}`);
  if (!Object.hasOwn(parsed, "args")) throw badRequest(`request body has no "args" field (send {"args": {}} for no arguments)`);
  const args = parsed.args;
  if (!isPlainObject(args)) throw badRequest(`"args" must be a JSON object, got ${typeName(args)}`);
  return decodeArgs(args);
}

/**
 * The `args` of a `GET` query from its `?args=` parameter (URL-decoded JSON); no parameter
 * means `{}`. The same rules as {@link argsFromBody}.
 *
 * @example
 * argsFromSearch("?args=%7B%22author%22%3A%22ada%22%7D", limits); // { author: "ada" }
 */
export function argsFromSearch(search: string, limits: ArgsLimits): Record<string, Value> {
  const params = new URLSearchParams(search);
  const all = params.getAll("args");
  if (all.length === 0) return {};
  if (all.length > 1) throw badRequest(`the "args" query parameter is given ${all.length} times`);
  const args = parseJson(all[0]!, `the "args" query parameter`, limits.maxDepth, limits);
  if (!isPlainObject(args)) throw badRequest(`the "args" query parameter must be a JSON object, got ${typeName(args)}`);
  return decodeArgs(args);
}

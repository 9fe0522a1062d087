import { decodeValue } from "../../values/encoding.js";
import type { Value } from "../../values/value.js";

/** Parses `convoy run`'s args: JSON in the wire encoding (SPEC §3), an object; `{}` when omitted. */
export function parseJsonArgs(text: string | undefined): Record<string, Value> {
  if (text === undefined || text.trim() === "") return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`args must be JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new Error("args must be a JSON object, e.g. '{\"author\":\"ada\"}'");
  return decodeValue(json as never) as Record<string, Value>;
}

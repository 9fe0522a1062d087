import { bytesToBase64 } from "../values/base64.js";
import { isArrayBuffer, isPlainObject } from "../values/validation-issue.js";
import type { JSONValue, Value } from "../values/value.js";

/**
 * A value in Convex's `"json"` format, the lossy export of its HTTP API: int64 as a decimal
 * string, bytes as a base64 string, NaN and ±Infinity as strings, `undefined` fields left out.
 * (`"convex_encoded_json"`, what Convex's clients ask for, keeps every type: `encodeValue`.)
 *
 * @example
 * toCleanJson({ n: 5n, x: Number.NaN }); // { n: "5", x: "NaN" }
 */
export function toCleanJson(value: Value): JSONValue {
  switch (typeof value) {
    case "bigint":
      return value.toString();
    case "number":
      return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : String(value);
    case "object": {
      if (value === null) return null;
      if (Array.isArray(value)) return value.map((element) => toCleanJson(element));
      if (isArrayBuffer(value)) return bytesToBase64(new Uint8Array(value));
      if (!isPlainObject(value)) return null;
      const out: Record<string, JSONValue> = {};
      for (const [key, field] of Object.entries(value)) if (field !== undefined) out[key] = toCleanJson(field);
      return out;
    }
    default:
      return value;
  }
}

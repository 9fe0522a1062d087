import { FrameworkError } from "../errors/index.js";
import type { JSONValue, Value } from "../values/value.js";

/**
 * Storage form of values inside the `jsonb` document column. It is what a person reading the
 * table with `psql` sees, so it stays readable (unlike the base64 wire form of SPEC §3):
 * - int64: `{"$int64": "-42"}` (decimal string)
 * - NaN, ±Infinity, -0: `{"$float64": "NaN" | "Infinity" | "-Infinity" | "-0"}`
 * - bytes: `{"$bytes": "<lowercase hex>"}`
 * - everything else: plain JSON. Fields set to `undefined` are omitted.
 * User keys never start with `$`, so tags cannot collide with data.
 */
export type StoredValue = JSONValue;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Converts a value to its storage form. Throws `SCHEMA_VALIDATION` for strings `jsonb` cannot hold. */
export function toStored(value: Value, path = "document"): StoredValue {
  switch (typeof value) {
    case "string":
      assertStorableString(value, path);
      return value;
    case "number":
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return { $float64: Object.is(value, -0) ? "-0" : String(value) };
    case "bigint":
      return { $int64: value.toString() };
    case "boolean":
      return value;
    default:
      break;
  }
  if (value === null) return null;
  if (value instanceof ArrayBuffer) {
    let hex = "";
    for (const b of new Uint8Array(value)) hex += HEX[b]!;
    return { $bytes: hex };
  }
  if (Array.isArray(value)) return value.map((element, i) => toStored(element, `${path}[${i}]`));
  const out: Record<string, StoredValue> = {};
  for (const key of Object.keys(value)) {
    const field = value[key];
    if (field === undefined) continue;
    assertStorableString(key, path);
    setOwn(out, key, toStored(field, `${path}.${key}`));
  }
  return out;
}

/** Converts a stored `jsonb` value back to a JS value. */
export function fromStored(stored: StoredValue): Value {
  if (stored === null || typeof stored !== "object") return stored;
  if (Array.isArray(stored)) return stored.map(fromStored);
  const keys = Object.keys(stored);
  if (keys.length === 1 && keys[0]!.startsWith("$")) {
    const tag = keys[0]!;
    const body = stored[tag];
    if (typeof body === "string") {
      if (tag === "$int64") return BigInt(body);
      if (tag === "$float64") return body === "-0" ? -0 : Number(body);
      if (tag === "$bytes") return hexToBytes(body);
    }
  }
  const out: Record<string, Value> = {};
  for (const key of keys) setOwn(out, key, fromStored(stored[key]!));
  return out;
}

/** Sets an own property, so that a `__proto__` key from the database is data, never a prototype. */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function hexToBytes(hex: string): ArrayBuffer {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes.buffer;
}

function assertStorableString(value: string, path: string): void {
  if (value.includes("\u0000")) {
    throw new FrameworkError("SCHEMA_VALIDATION", `${path}: strings containing U+0000 cannot be stored (Postgres jsonb rejects them)`, { path });
  }
  if (!value.isWellFormed()) {
    throw new FrameworkError("SCHEMA_VALIDATION", `${path}: strings with unpaired surrogates cannot be stored (Postgres jsonb rejects them)`, { path });
  }
}

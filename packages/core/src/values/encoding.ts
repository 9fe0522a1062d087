import { FrameworkError } from "../errors/framework-error.js";
import { base64ToBytes, bytesToBase64 } from "./base64.js";
import { int64RangeReason } from "./int64.js";
import { reservedKeyReason } from "./reserved-keys.js";
import { formatPath, isArrayBuffer, isPlainObject, typeName, type PathSegment } from "./validation-issue.js";
import { MAX_VALUE_DEPTH, type JSONValue, type Value } from "./value.js";

/**
 * Encode a value as plain JSON, in Convex's wire format: a bigint becomes
 * `{"$integer": <base64 of its 8 little-endian bytes>}`, NaN, ±Infinity and -0 become
 * `{"$float": <base64 of the 8 little-endian bytes of the float64>}`, an `ArrayBuffer`
 * becomes `{"$bytes": <base64>}`; everything else stays as it is, and object fields set to
 * `undefined` are left out. Throws a `FrameworkError` (`BAD_REQUEST`) naming the path when
 * `value` is not a valid Convoy value.
 *
 * @example
 * encodeValue({ n: 1n, x: -0, ok: true }); // { n: { $integer: "AQAAAAAAAAA=" }, x: { $float: "AAAAAAAAAIA=" }, ok: true }
 */
export function encodeValue(value: Value): JSONValue {
  return encode(value, [], 0);
}

/**
 * Whether `value` is already its own wire form: {@link encodeValue} would return an equal copy
 * (no bigint, no non-finite or negative-zero number, no bytes, no reserved key, no `undefined`
 * in an array, plain objects and arrays only, not nested too deep). Such a value can be given
 * to `JSON.stringify` as it is, without building the copy; anything else (including what
 * `encodeValue` rejects) answers `false`. Fields set to `undefined` are fine (both leave them out).
 */
export function isWireJson(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (depth >= MAX_VALUE_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) {
          const element: unknown = value[index];
          if (element === undefined || !isWireJson(element, depth + 1)) return false;
        }
        return true;
      }
      if (!isPlainObject(value)) return false;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        if (reservedKeyReason(key) !== null) return false;
        const field = value[key];
        if (field !== undefined && !isWireJson(field, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * Decode JSON in Convex's wire format back into a value: the inverse of {@link encodeValue}.
 * Rejects, with a `FrameworkError` (`BAD_REQUEST`) naming the path, unknown `$` keys,
 * `__proto__` keys, malformed tags and anything that is not JSON. A `constructor` or
 * `prototype` key is ordinary data and no prototype is ever set.
 *
 * @example
 * decodeValue({ n: { $integer: "AQAAAAAAAAA=" } }); // { n: 1n }
 */
export function decodeValue(json: JSONValue): Value {
  return decode(json, [], 0);
}

function encode(value: unknown, path: PathSegment[], depth: number): JSONValue {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0) ? value : { $float: encodeFloat64(value) };
    case "bigint": {
      const reason = int64RangeReason(value);
      if (reason !== null) throw encodeError(path, reason);
      return { $integer: encodeInt64(value) };
    }
    case "object": {
      if (value === null) return null;
      if (depth >= MAX_VALUE_DEPTH) throw encodeError(path, `value is nested more than ${MAX_VALUE_DEPTH} levels deep (or contains a cycle)`);
      if (Array.isArray(value)) {
        const out: JSONValue[] = new Array<JSONValue>(value.length);
        for (let index = 0; index < value.length; index++) {
          const element: unknown = value[index];
          path.push(index);
          if (element === undefined) throw encodeError(path, "undefined is not allowed in an array (use null)");
          out[index] = encode(element, path, depth + 1);
          path.pop();
        }
        return out;
      }
      if (isPlainObject(value)) {
        const out: Record<string, JSONValue> = {};
        for (const key of Object.keys(value)) {
          const field = value[key];
          if (field === undefined) continue;
          path.push(key);
          const reserved = reservedKeyReason(key);
          if (reserved !== null) throw encodeError(path, reserved);
          out[key] = encode(field, path, depth + 1);
          path.pop();
        }
        return out;
      }
      if (isArrayBuffer(value)) return { $bytes: bytesToBase64(new Uint8Array(value)) };
      throw encodeError(path, `expected a Convoy value, got ${typeName(value)}`);
    }
    default:
      throw encodeError(path, `expected a Convoy value, got ${typeName(value)}`);
  }
}

function decode(json: unknown, path: PathSegment[], depth: number): Value {
  switch (typeof json) {
    case "string":
    case "boolean":
    case "number":
      return json;
    case "object": {
      if (json === null) return null;
      if (depth >= MAX_VALUE_DEPTH) throw decodeError(path, `value is nested more than ${MAX_VALUE_DEPTH} levels deep`);
      if (Array.isArray(json)) {
        const out: Value[] = new Array<Value>(json.length);
        for (let index = 0; index < json.length; index++) {
          path.push(index);
          out[index] = decode(json[index], path, depth + 1);
          path.pop();
        }
        return out;
      }
      if (!isPlainObject(json)) throw decodeError(path, `expected JSON, got ${typeName(json)}`);
      const keys = Object.keys(json);
      const first = keys[0];
      if (keys.length === 1 && first !== undefined && first.startsWith("$")) return decodeTag(first, json[first], path);
      const out: Record<string, Value> = {};
      for (const key of keys) {
        path.push(key);
        const reserved = reservedKeyReason(key);
        if (reserved !== null) throw decodeError(path, reserved);
        out[key] = decode(json[key], path, depth + 1);
        path.pop();
      }
      return out;
    }
    default:
      throw decodeError(path, `expected JSON, got ${typeName(json)}`);
  }
}

function decodeTag(tag: string, payload: unknown, path: PathSegment[]): Value {
  if (tag !== "$integer" && tag !== "$float" && tag !== "$bytes") {
    path.push(tag);
    throw decodeError(path, `unknown tag ${JSON.stringify(tag)} (keys starting with "$" are reserved)`);
  }
  const bytes = typeof payload === "string" ? base64ToBytes(payload) : null;
  if (bytes === null) throw decodeError(path, `malformed ${tag}: expected a base64 string`);
  if (tag === "$bytes") return bytes.buffer;
  if (bytes.length !== 8) throw decodeError(path, `malformed ${tag}: expected 8 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  if (tag === "$integer") return view.getBigInt64(0, true);
  const float = view.getFloat64(0, true);
  if (Number.isFinite(float) && !Object.is(float, -0)) {
    throw decodeError(path, `malformed $float: ${float} must be sent as a plain JSON number`);
  }
  return float;
}

function encodeInt64(value: bigint): string {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigInt64(0, value, true);
  return bytesToBase64(bytes);
}

function encodeFloat64(value: number): string {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value, true);
  return bytesToBase64(bytes);
}

function encodeError(path: readonly PathSegment[], reason: string): FrameworkError {
  return pathError("cannot encode", path, reason);
}

function decodeError(path: readonly PathSegment[], reason: string): FrameworkError {
  return pathError("cannot decode", path, reason);
}

function pathError(action: string, path: readonly PathSegment[], reason: string): FrameworkError {
  const where = formatPath("", path);
  return new FrameworkError("BAD_REQUEST", `${action} value${where === "" ? "" : ` at ${where}`}: ${reason}`, where === "" ? {} : { path: where });
}

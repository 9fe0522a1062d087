import { TYPE_RANK, compareStrings } from "../values/compare.js";
import type { Value } from "../values/value.js";

/**
 * The order-preserving binary key of a value: the JS twin of the SQL function
 * `convoy.sort_key_v1(jsonb)`. Comparing two keys byte-wise (`memcmp`, as Postgres compares
 * `bytea`) gives the same result as `compareValues` on the values, whatever the collation.
 *
 * Layout: a type-rank byte, then
 * - int64: 8 bytes big-endian with the sign bit flipped;
 * - float64: 8 bytes big-endian, sign bit flipped for positives, all bits inverted for negatives;
 * - boolean: 0x00 or 0x01;
 * - string/bytes: UTF-8 (or raw) bytes, 0x00 escaped as 0x00 0xFF, then a 0x00 terminator;
 * - array: each element's key, then 0x00;
 * - object: for each entry by key in code point order, 0x01, the key as a string body, the
 *   value's key; then 0x00.
 */
export function sortKey(value: Value | undefined): Uint8Array {
  // Fast paths for the common scalar keys: one allocation, no growth.
  if (typeof value === "string") return stringKey(value);
  if (typeof value === "number") {
    floatView.setFloat64(0, value);
    const bits = floatView.getBigUint64(0);
    return scalarKey(TYPE_RANK.float64, bits & SIGN ? ~bits & MASK : bits | SIGN);
  }
  if (typeof value === "bigint") return scalarKey(TYPE_RANK.int64, BigInt.asUintN(64, value) ^ SIGN);
  const out = new KeyWriter();
  writeKey(out, value);
  return out.finish();
}

/** Two lowercase hex digits of each byte value. */
const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));
const STRING_RANK_HEX = HEX_BYTE[TYPE_RANK.string]!;
const FLOAT_RANK_HEX = HEX_BYTE[TYPE_RANK.float64]!;
/** Longer strings take the byte path (one encode instead of a long chain of concatenations). */
const HEX_STRING_MAX = 128;

const hex32 = (n: number): string => HEX_BYTE[n >>> 24]! + HEX_BYTE[(n >>> 16) & 255]! + HEX_BYTE[(n >>> 8) & 255]! + HEX_BYTE[n & 255]!;

/**
 * `sortKey(value)` as lowercase hex (the form of keys in access logs, write sets and cursors),
 * written directly for the common keys (numbers, short ASCII strings without U+0000): no bytes
 * are allocated for them.
 */
export function sortKeyHex(value: Value | undefined): string {
  if (typeof value === "string" && value.length <= HEX_STRING_MAX) {
    let hex = STRING_RANK_HEX;
    for (let i = 0; i < value.length; i++) {
      const unit = value.charCodeAt(i);
      if (unit === 0 || unit > 0x7f) return bytesToHex(sortKey(value));
      hex += HEX_BYTE[unit]!;
    }
    return `${hex}00`;
  }
  if (typeof value === "number") {
    floatView.setFloat64(0, value);
    const high = floatView.getUint32(0);
    const low = floatView.getUint32(4);
    // as in sortKey: negatives have every bit inverted, the rest the sign bit set
    return high >>> 31 === 1 ? FLOAT_RANK_HEX + hex32(~high >>> 0) + hex32(~low >>> 0) : FLOAT_RANK_HEX + hex32((high | 0x80000000) >>> 0) + hex32(low);
  }
  return bytesToHex(sortKey(value));
}

/** Lowercase hex of bytes (without copying them). */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

function scalarKey(rank: number, bits: bigint): Uint8Array {
  const key = new Uint8Array(9);
  key[0] = rank;
  new DataView(key.buffer).setBigUint64(1, bits);
  return key;
}

function stringKey(value: string): Uint8Array {
  // UTF-8 takes at most 3 bytes per UTF-16 unit; escapes of U+0000 need one more byte each.
  const key = new Uint8Array(value.length * 3 + 2);
  key[0] = TYPE_RANK.string;
  const { written } = utf8.encodeInto(value, key.subarray(1));
  if (!value.includes("\u0000")) {
    key[written + 1] = 0;
    return key.subarray(0, written + 2);
  }
  const out = new KeyWriter();
  out.byte(TYPE_RANK.string);
  out.escaped(key.subarray(1, written + 1));
  return out.finish();
}

class KeyWriter {
  private buffer = new Uint8Array(64);
  private length = 0;
  private readonly view8 = new DataView(new ArrayBuffer(8));

  byte(b: number): void {
    if (this.length === this.buffer.length) this.grow(1);
    this.buffer[this.length++] = b;
  }

  bytes(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buffer.length) this.grow(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  uint64(bits: bigint): void {
    this.view8.setBigUint64(0, bits);
    this.bytes(new Uint8Array(this.view8.buffer));
  }

  /** Bytes with 0x00 escaped as 0x00 0xFF, then a 0x00 terminator. */
  escaped(bytes: Uint8Array): void {
    for (const b of bytes) {
      this.byte(b);
      if (b === 0) this.byte(0xff);
    }
    this.byte(0);
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private grow(extra: number): void {
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.length + extra));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }
}

const utf8 = new TextEncoder();
const floatView = new DataView(new ArrayBuffer(8));
const SIGN = 1n << 63n;
const MASK = (1n << 64n) - 1n;

function writeKey(out: KeyWriter, value: Value | undefined): void {
  if (value === undefined) return out.byte(TYPE_RANK.missing);
  if (value === null) return out.byte(TYPE_RANK.null);
  switch (typeof value) {
    case "bigint":
      out.byte(TYPE_RANK.int64);
      return out.uint64(BigInt.asUintN(64, value) ^ SIGN);
    case "number": {
      out.byte(TYPE_RANK.float64);
      floatView.setFloat64(0, value);
      const bits = floatView.getBigUint64(0);
      return out.uint64(bits & SIGN ? ~bits & MASK : bits | SIGN);
    }
    case "boolean":
      out.byte(TYPE_RANK.boolean);
      return out.byte(value ? 1 : 0);
    case "string":
      out.byte(TYPE_RANK.string);
      return out.escaped(utf8.encode(value));
    default:
      break;
  }
  if (value instanceof ArrayBuffer) {
    out.byte(TYPE_RANK.bytes);
    return out.escaped(new Uint8Array(value));
  }
  if (Array.isArray(value)) {
    out.byte(TYPE_RANK.array);
    for (const element of value) writeKey(out, element);
    return out.byte(0);
  }
  out.byte(TYPE_RANK.object);
  const record = value as Record<string, Value | undefined>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort(compareStrings);
  for (const key of keys) {
    out.byte(1);
    out.escaped(utf8.encode(key));
    writeKey(out, record[key]);
  }
  out.byte(0);
}

/**
 * The value of the sort key of a missing field or a scalar (int64, float64, boolean, string),
 * from its hex (a keyset position): `{ rank, value }`, or `{ rank }` alone for any other kind.
 * The inverse of {@link sortKey} for those kinds.
 */
export function scalarFromSortKey(hex: string): { rank: number; value?: Value | undefined } {
  const bytes = Buffer.from(hex, "hex");
  const rank = bytes[0] ?? 0;
  const body = bytes.subarray(1);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  switch (rank) {
    case TYPE_RANK.missing:
      return { rank, value: undefined };
    case TYPE_RANK.int64:
      if (body.length !== 8) break;
      return { rank, value: BigInt.asIntN(64, view.getBigUint64(0) ^ SIGN) };
    case TYPE_RANK.float64: {
      if (body.length !== 8) break;
      const mapped = view.getBigUint64(0);
      floatView.setBigUint64(0, mapped & SIGN ? mapped ^ SIGN : ~mapped & MASK);
      return { rank, value: floatView.getFloat64(0) };
    }
    case TYPE_RANK.boolean:
      if (body.length !== 1) break;
      return { rank, value: body[0] === 1 };
    case TYPE_RANK.string: {
      const out: number[] = [];
      for (let i = 0; i < body.length; i++) {
        if (body[i] !== 0) out.push(body[i]!);
        else if (body[i + 1] === 0xff) {
          out.push(0);
          i++;
        } else if (i === body.length - 1) return { rank, value: new TextDecoder().decode(new Uint8Array(out)) };
        else break;
      }
      break;
    }
    default:
      return { rank };
  }
  throw new Error(`malformed sort key ${hex.slice(0, 40)}`);
}

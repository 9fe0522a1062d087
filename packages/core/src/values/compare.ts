import type { Value } from "./value.js";

/**
 * Rank of each kind of value in Convoy's total order (Convex's order):
 * missing < null < int64 < float64 < boolean < string < bytes < array < object.
 */
export const TYPE_RANK = {
  missing: 1,
  null: 2,
  int64: 3,
  float64: 4,
  boolean: 5,
  string: 6,
  bytes: 7,
  array: 8,
  object: 9,
} as const;

/** The rank of a value's kind in the total order; `undefined` means a missing field. */
export function rankOf(value: Value | undefined): number {
  if (value === undefined) return TYPE_RANK.missing;
  if (value === null) return TYPE_RANK.null;
  switch (typeof value) {
    case "bigint":
      return TYPE_RANK.int64;
    case "number":
      return TYPE_RANK.float64;
    case "boolean":
      return TYPE_RANK.boolean;
    case "string":
      return TYPE_RANK.string;
    default:
      if (value instanceof ArrayBuffer) return TYPE_RANK.bytes;
      return Array.isArray(value) ? TYPE_RANK.array : TYPE_RANK.object;
  }
}

const floatView = new DataView(new ArrayBuffer(8));

/** The bits of a float64 mapped so that unsigned comparison gives IEEE total order (-0 < +0, NaN last). */
function floatOrderKey(value: number): bigint {
  floatView.setFloat64(0, value);
  const bits = floatView.getBigUint64(0);
  return bits >> 63n === 1n ? ~bits & 0xffff_ffff_ffff_ffffn : bits | (1n << 63n);
}

function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b && (a !== 0 || Object.is(a, b))) return 0;
  const ka = floatOrderKey(a);
  const kb = floatOrderKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Maps a UTF-16 code unit so that comparing mapped units at the first difference gives code point order. */
function codePointOrderUnit(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/** Compares strings by Unicode code point (not UTF-16 unit, not locale). */
export function compareStrings(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const ua = a.charCodeAt(i);
    const ub = b.charCodeAt(i);
    if (ua !== ub) return codePointOrderUnit(ua) < codePointOrderUnit(ub) ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareBytes(a: ArrayBuffer, b: ArrayBuffer): number {
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  const length = Math.min(x.length, y.length);
  for (let i = 0; i < length; i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

function definedEntries(value: Record<string, Value | undefined>): [string, Value][] {
  const entries: [string, Value][] = [];
  for (const key of Object.keys(value)) {
    const field = value[key];
    if (field !== undefined) entries.push([key, field]);
  }
  return entries.sort((x, y) => compareStrings(x[0], y[0]));
}

/**
 * Compares two values in Convoy's total order, the order of every index (SPEC §4):
 * missing (`undefined`) < null < int64 < float64 < boolean < string (by code point) < bytes
 * < array (element-wise, shorter first) < object (entries sorted by key, compared key then
 * value, fewer entries first). Float64 follows IEEE total order: -Infinity < … < -0 < 0 < … <
 * Infinity < NaN. The same order is computed in SQL by the index key function.
 *
 * @example
 * [3, "a", null, 2n].sort(compareValues); // [null, 2n, 3, "a"]
 */
export function compareValues(a: Value | undefined, b: Value | undefined): number {
  const ra = rankOf(a);
  const rb = rankOf(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case TYPE_RANK.missing:
    case TYPE_RANK.null:
      return 0;
    case TYPE_RANK.int64:
      return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0;
    case TYPE_RANK.float64:
      return compareNumbers(a as number, b as number);
    case TYPE_RANK.boolean:
      return a === b ? 0 : a === false ? -1 : 1;
    case TYPE_RANK.string:
      return compareStrings(a as string, b as string);
    case TYPE_RANK.bytes:
      return compareBytes(a as ArrayBuffer, b as ArrayBuffer);
    case TYPE_RANK.array: {
      const x = a as Value[];
      const y = b as Value[];
      const length = Math.min(x.length, y.length);
      for (let i = 0; i < length; i++) {
        const c = compareValues(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
    default: {
      const x = definedEntries(a as Record<string, Value | undefined>);
      const y = definedEntries(b as Record<string, Value | undefined>);
      const length = Math.min(x.length, y.length);
      for (let i = 0; i < length; i++) {
        const k = compareStrings(x[i]![0], y[i]![0]);
        if (k !== 0) return k;
        const c = compareValues(x[i]![1], y[i]![1]);
        if (c !== 0) return c;
      }
      return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
    }
  }
}

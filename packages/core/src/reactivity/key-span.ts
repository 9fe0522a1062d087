import { TYPE_RANK } from "../values/compare.js";

/**
 * A range of index keys, `lower <= key < upper`, keys as lowercase hex of their bytes (`upper`
 * `null` = to the end). Reads record spans; a written key `k` is the span `[k, k + "00")`, since
 * appending a zero byte gives the smallest key after `k`.
 */
export interface KeySpan {
  lower: string;
  upper: string | null;
}

/** The name of the system index on `_id`: `get` reads and every write have a key there. */
export const BY_ID_INDEX = "by_id";

/** The smallest key greater than `key` (byte order): `key` followed by a zero byte. */
export function successor(key: string): string {
  return `${key}00`;
}

/** The span holding exactly one key. */
export function pointSpan(key: string): KeySpan {
  return { lower: key, upper: successor(key) };
}

/** Whether `[a.lower, a.upper)` and `[b.lower, b.upper)` share a key. Empty spans share none. */
export function spansOverlap(a: KeySpan, b: KeySpan): boolean {
  return (a.upper === null || b.lower < a.upper) && (b.upper === null || a.lower < b.upper) && isNonEmpty(a) && isNonEmpty(b);
}

function isNonEmpty(span: KeySpan): boolean {
  return span.upper === null || span.lower < span.upper;
}

/** `a < b` for exclusive upper bounds, `null` being +∞. */
export function upperLess(a: string | null, b: string | null): boolean {
  return a !== null && (b === null || a < b);
}

/** The larger of two exclusive upper bounds. */
export function maxUpper(a: string | null, b: string | null): string | null {
  return upperLess(a, b) ? b : a;
}

const utf8 = new TextEncoder();

/**
 * The key of a document id in `by_id` (hex): the sort key of the id string, as
 * `convoy.sort_key_v1` and storage/sort-key.ts compute it (rank byte, UTF-8 with 0x00 escaped as
 * 0x00 0xFF, a 0x00 terminator). Kept here so that the browser need not import storage code.
 */
export function idKey(id: string): string {
  let hex = HEX[TYPE_RANK.string]!;
  for (const byte of utf8.encode(id)) hex += byte === 0 ? "00ff" : HEX[byte]!;
  return `${hex}00`;
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

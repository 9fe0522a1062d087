import { BY_ID_INDEX, idKey, maxUpper, pointSpan, type KeySpan } from "./key-span.js";
import type { WriteRecord } from "./records.js";

/**
 * What a commit wrote, as invalidation sees it: per table, per index, the key spans that may
 * have changed (sorted by `lower`, disjoint). The exact form holds one point per written key
 * (old and new); a coarsened form (see write-set-codec.ts) holds covering spans. Absence is
 * conservative: a table not listed was not written, but an index a listed table does not list
 * may have changed anywhere, and `everything` means any table may have changed.
 */
export interface WriteSet {
  everything: boolean;
  tables: Map<string, Map<string, KeySpan[]>>;
}

/** The write set nothing overlaps. */
export function emptyWriteSet(): WriteSet {
  return { everything: false, tables: new Map() };
}

/** The write set everything overlaps. */
export function everythingWriteSet(): WriteSet {
  return { everything: true, tables: new Map() };
}

/**
 * The exact write set of a commit's records. Each document written touches its old and new key
 * in every index (an update that leaves a key unchanged still changes the document under it), and
 * its id key in `by_id`. An index some record of its table lacks a key for is left out (wholly
 * touched), so a record without keys (a write seen from outside Convoy) stays sound.
 */
export function writeSetOf(records: readonly WriteRecord[]): WriteSet {
  /** Per table: the keys written in each index, and the indexes every record of it has keys for. */
  const keysByTable = new Map<string, { keys: Map<string, string[]>; listed: Set<string> | null }>();
  for (const record of records) {
    let entry = keysByTable.get(record.table);
    if (entry === undefined) keysByTable.set(record.table, (entry = { keys: new Map(), listed: null }));
    const first = record.op === "delete" ? record.oldKeys : record.newKeys;
    const second = record.op === "update" ? record.oldKeys : undefined;
    const complete = first !== undefined && (record.op !== "update" || second !== undefined);
    if (!complete) entry.listed = new Set();
    else if (entry.listed === null) {
      entry.listed = new Set();
      for (const name in first) if (second === undefined || Object.hasOwn(second, name)) entry.listed.add(name);
    } else {
      for (const name of entry.listed) if (!Object.hasOwn(first, name) || (second !== undefined && !Object.hasOwn(second, name))) entry.listed.delete(name);
    }
    if (complete) {
      addKeys(entry.keys, first);
      if (second !== undefined) addKeys(entry.keys, second);
    }
    let ids = entry.keys.get(BY_ID_INDEX);
    if (ids === undefined) entry.keys.set(BY_ID_INDEX, (ids = []));
    ids.push(idKey(record.id));
  }
  const tables = new Map<string, Map<string, KeySpan[]>>();
  for (const [table, { keys, listed }] of keysByTable) {
    const indexes = new Map<string, KeySpan[]>();
    for (const [name, list] of keys) {
      if (name !== BY_ID_INDEX && listed?.has(name) !== true) continue;
      indexes.set(name, list.length === 1 ? [pointSpan(list[0]!)] : normalizeSpans(list.map(pointSpan)));
    }
    tables.set(table, indexes);
  }
  return { everything: false, tables };
}

function addKeys(keys: Map<string, string[]>, map: Record<string, string>): void {
  for (const name in map) {
    const key = map[name]!;
    const list = keys.get(name);
    if (list === undefined) keys.set(name, [key]);
    else list.push(key);
  }
}

/** Sorts spans by `lower` and merges the ones that overlap or touch (same keys covered). */
export function normalizeSpans(spans: readonly KeySpan[]): KeySpan[] {
  const sorted = spans.filter((span) => span.upper === null || span.lower < span.upper).sort((a, b) => (a.lower < b.lower ? -1 : a.lower > b.lower ? 1 : 0));
  const out: KeySpan[] = [];
  for (const span of sorted) {
    const last = out.at(-1);
    if (last !== undefined && (last.upper === null || span.lower <= last.upper)) {
      last.upper = maxUpper(last.upper, span.upper);
    } else {
      out.push({ ...span });
    }
  }
  return out;
}

/** Whether `spans` (sorted, disjoint) hold a key of `[lower, upper)`: a binary search. */
export function spansHit(spans: readonly KeySpan[], lower: string, upper: string | null): boolean {
  if (upper !== null && upper <= lower) return false;
  // the first span whose upper bound lies past `lower` (uppers are sorted, as spans are disjoint)
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const end = spans[mid]!.upper;
    if (end !== null && end <= lower) lo = mid + 1;
    else hi = mid;
  }
  const span = spans[lo];
  return span !== undefined && (upper === null || span.lower < upper);
}

import { successor, type KeySpan } from "./key-span.js";
import { everythingWriteSet, normalizeSpans, type WriteSet } from "./write-set.js";

/** The most bytes a Postgres `NOTIFY` payload may hold (it must be shorter than 8000 bytes). */
export const NOTIFY_PAYLOAD_MAX_BYTES = 7999;

const VERSION = "w1";
const EVERYTHING = "*";

type Tables = Map<string, Map<string, KeySpan[]>>;

/**
 * A commit's write set as text of at most `maxBytes` UTF-8 bytes (a `NOTIFY` payload by default).
 * When the exact set is too big it is coarsened step by step, never emptied: neighbouring spans
 * of an index are merged into covering spans (halving their number per round), then whole
 * indexes are given up (largest first: the index is then wholly touched), then, if even the
 * table names do not fit, the payload says that anything may have changed. Whatever the step,
 * the decoded set overlaps every read the exact one overlaps.
 *
 * Layout: JSON `["w1", [[table, [[index, spans], …]], …]]` or `["w1", "*"]`; `spans` is one
 * string of comma-separated spans, `key` for a point and `key~key` for a range (`key~` = to the
 * end), each key written as `<shared prefix length, base 36>.<rest of the hex>` relative to the
 * key before it in the same string.
 */
export function encodeWriteSet(writes: WriteSet, maxBytes: number = NOTIFY_PAYLOAD_MAX_BYTES): string {
  const everything = JSON.stringify([VERSION, EVERYTHING]);
  if (writes.everything) return everything;
  // Spans need not be normalized to be encoded (the decoder normalizes): most write sets fit as they are.
  let payload = serialize(writes.tables);
  if (byteLength(payload) <= maxBytes) return payload;
  const tables: Tables = new Map([...writes.tables].map(([table, indexes]) => [table, new Map([...indexes].map(([name, spans]) => [name, normalizeSpans(spans)]))]));
  payload = serialize(tables);
  if (byteLength(payload) <= maxBytes) return payload;
  // 1. merge neighbouring spans into covering spans, halving their number per round
  while (mergeRound(tables)) {
    payload = serialize(tables);
    if (byteLength(payload) <= maxBytes) return payload;
  }
  // 2. give up whole indexes, the largest first
  const bySize = [...tables].flatMap(([table, indexes]) => [...indexes].map(([name, spans]) => ({ table, name, size: byteLength(encodeSpans(spans)) + byteLength(JSON.stringify(name)) })));
  bySize.sort((a, b) => b.size - a.size);
  let excess = byteLength(payload) - maxBytes;
  for (const { table, name, size } of bySize) {
    tables.get(table)!.delete(name);
    excess -= size;
    if (excess <= 0) {
      payload = serialize(tables);
      if (byteLength(payload) <= maxBytes) return payload;
      excess = byteLength(payload) - maxBytes;
    }
  }
  payload = serialize(tables);
  if (byteLength(payload) <= maxBytes) return payload;
  // 3. anything may have changed
  return everything;
}

/**
 * The write set of a payload {@link encodeWriteSet} made. A payload it cannot read (malformed,
 * or from a newer version during a rolling deploy) decodes to "anything may have changed": an
 * invalidation is never lost.
 */
export function decodeWriteSet(payload: string): WriteSet {
  try {
    const parsed: unknown = JSON.parse(payload);
    if (!Array.isArray(parsed) || parsed.length !== 2 || parsed[0] !== VERSION || !Array.isArray(parsed[1])) return everythingWriteSet();
    const tables: Tables = new Map();
    for (const tableEntry of parsed[1] as unknown[]) {
      if (!isPair(tableEntry) || !Array.isArray(tableEntry[1])) return everythingWriteSet();
      const [table, indexEntries] = tableEntry;
      const indexes = tables.get(table) ?? new Map<string, KeySpan[]>();
      for (const indexEntry of indexEntries as unknown[]) {
        if (!isPair(indexEntry) || typeof indexEntry[1] !== "string") return everythingWriteSet();
        const spans = decodeSpans(indexEntry[1]);
        if (spans === null) return everythingWriteSet();
        indexes.set(indexEntry[0], normalizeSpans([...(indexes.get(indexEntry[0]) ?? []), ...spans]));
      }
      tables.set(table, indexes);
    }
    return { everything: false, tables };
  } catch {
    return everythingWriteSet();
  }
}

function isPair(value: unknown): value is [string, unknown] {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === "string";
}

function serialize(tables: ReadonlyMap<string, ReadonlyMap<string, readonly KeySpan[]>>): string {
  const entries: [string, [string, string][]][] = [];
  for (const [table, indexes] of tables) {
    const encoded: [string, string][] = [];
    for (const [name, spans] of indexes) encoded.push([name, encodeSpans(spans)]);
    entries.push([table, encoded]);
  }
  return JSON.stringify([VERSION, entries]);
}

const utf8 = new TextEncoder();

function byteLength(text: string): number {
  // payloads are mostly ASCII: count UTF-8 bytes only when there is something else
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return utf8.encode(text).length;
  return text.length;
}

function sharedPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function encodeSpans(spans: readonly KeySpan[]): string {
  let previous = "";
  let out = "";
  for (let i = 0; i < spans.length; i++) {
    const { lower, upper } = spans[i]!;
    if (i > 0) out += ",";
    let shared = sharedPrefix(previous, lower);
    out += `${shared.toString(36)}.${lower.slice(shared)}`;
    previous = lower;
    // a point span is written as its key alone
    if (upper === successor(lower)) continue;
    out += "~";
    if (upper === null) continue;
    shared = sharedPrefix(previous, upper);
    out += `${shared.toString(36)}.${upper.slice(shared)}`;
    previous = upper;
  }
  return out;
}

const KEY_TOKEN = /^([0-9a-z]+)\.([0-9a-f]*)$/;

function decodeSpans(text: string): KeySpan[] | null {
  if (text === "") return [];
  let previous = "";
  const key = (token: string): string | null => {
    const match = KEY_TOKEN.exec(token);
    if (match === null) return null;
    const shared = parseInt(match[1]!, 36);
    if (shared > previous.length) return null;
    previous = previous.slice(0, shared) + match[2]!;
    return previous;
  };
  const spans: KeySpan[] = [];
  for (const part of text.split(",")) {
    const [lowerToken, upperToken, extra] = part.split("~");
    if (lowerToken === undefined || extra !== undefined) return null;
    const lower = key(lowerToken);
    if (lower === null) return null;
    if (upperToken === undefined) {
      spans.push({ lower, upper: `${lower}00` });
    } else if (upperToken === "") {
      spans.push({ lower, upper: null });
    } else {
      const upper = key(upperToken);
      if (upper === null) return null;
      spans.push({ lower, upper });
    }
  }
  return spans;
}

/**
 * Halves the number of spans of every index that has more than one, merging the neighbours
 * closest in key space (longest shared prefix) into covering spans; false when none had more.
 */
function mergeRound(tables: Tables): boolean {
  let merged = false;
  for (const indexes of tables.values()) {
    for (const [name, spans] of indexes) {
      if (spans.length < 2) continue;
      merged = true;
      const target = Math.ceil(spans.length / 2);
      // keep the target - 1 widest gaps as cuts; every other gap is closed
      const gaps = spans.slice(1).map((span, i) => ({ at: i + 1, closeness: sharedPrefix(spans[i]!.lower, span.lower) }));
      gaps.sort((a, b) => a.closeness - b.closeness || a.at - b.at);
      const cuts = gaps
        .slice(0, target - 1)
        .map((gap) => gap.at)
        .sort((a, b) => a - b);
      const out: KeySpan[] = [];
      let start = 0;
      for (const cut of [...cuts, spans.length]) {
        out.push({ lower: spans[start]!.lower, upper: spans[cut - 1]!.upper });
        start = cut;
      }
      indexes.set(name, out);
    }
  }
  return merged;
}

import { BY_ID_INDEX, idKey, successor, type KeySpan } from "./key-span.js";
import type { ReadRecord } from "./records.js";
import { spansHit, type WriteSet } from "./write-set.js";

/** The index and key span a read covers: a `get` is the id's point in `by_id`. */
export function readSpan(read: ReadRecord): { index: string; span: KeySpan } {
  if (read.kind === "get") {
    const key = idKey(read.id);
    return { index: BY_ID_INDEX, span: { lower: key, upper: successor(key) } };
  }
  return { index: read.index, span: { lower: read.lower, upper: read.upper } };
}

/**
 * Can this write change this read? The one invalidation rule, shared by the server's
 * subscription index and clients: true when the write set touches a key of the read's index
 * inside the read's range (or the table/index wholly, in a coarsened set). Sound by
 * construction: a write that changes a query's result changes a document whose old or new key
 * lies in a range the query read (the soundness property test holds the engine to it).
 */
export function overlaps(writes: WriteSet, read: ReadRecord): boolean {
  const { index, span } = readSpan(read);
  if (span.upper !== null && span.upper <= span.lower) return false; // an empty range: nothing can change it
  if (writes.everything) return true;
  const indexes = writes.tables.get(read.table);
  if (indexes === undefined) return false;
  const spans = indexes.get(index);
  return spans === undefined || spansHit(spans, span.lower, span.upper);
}

/** Whether a write set overlaps any read of a read set (a whole query's reads). */
export function overlapsAny(writes: WriteSet, reads: Iterable<ReadRecord>): boolean {
  for (const read of reads) if (overlaps(writes, read)) return true;
  return false;
}

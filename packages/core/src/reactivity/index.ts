/**
 * The reactivity core: what a call read and wrote, whether a write can change a read, the index
 * of live subscriptions by what they read, and the compact form of a commit's write set that
 * crosses servers. No transport and nothing server-only: the browser client shares the overlap
 * rule. See docs/reactivity.md.
 */
export type { DocumentRead, IndexRangeRead, ReadRecord, WriteRecord } from "./records.js";
export { BY_ID_INDEX, idKey, pointSpan, spansOverlap, successor, type KeySpan } from "./key-span.js";
export { emptyWriteSet, everythingWriteSet, normalizeSpans, writeSetOf, type WriteSet } from "./write-set.js";
export { overlaps, overlapsAny, readSpan } from "./overlap.js";
export { IntervalTree, type IntervalHandle } from "./interval-tree.js";
export { SubscriptionIndex } from "./subscription-index.js";
export { NOTIFY_PAYLOAD_MAX_BYTES, decodeWriteSet, encodeWriteSet } from "./write-set-codec.js";

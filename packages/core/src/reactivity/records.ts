/**
 * The read and write records of one function call, as ctx.db records them (see AccessLog in
 * storage/access-log.ts). Keys are lowercase hex strings of index key bytes (see `indexKey` in
 * storage/index-key.ts): byte-wise order of keys is index order, and so is string order of
 * their hex.
 */

/** A contiguous range of one index that a query read: `lower <= key < upper` (bytes, hex). */
export interface IndexRangeRead {
  kind: "range";
  table: string;
  index: string;
  /** Inclusive lower bound ("" = from the start). */
  lower: string;
  /** Exclusive upper bound (`null` = to the end). */
  upper: string | null;
}

/** A document fetched by id with `get` (recorded whether or not it exists). */
export interface DocumentRead {
  kind: "get";
  table: string;
  id: string;
}

/** One read of a call. */
export type ReadRecord = IndexRangeRead | DocumentRead;

/** One document written: its index keys before and after (absent before an insert / after a delete). */
export interface WriteRecord {
  table: string;
  id: string;
  op: "insert" | "update" | "delete";
  /** Index name → full key (fields, `_creationTime`, `_id`) before the write. */
  oldKeys?: Record<string, string>;
  /** Index name → full key after the write. */
  newKeys?: Record<string, string>;
}

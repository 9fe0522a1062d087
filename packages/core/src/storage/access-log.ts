/**
 * What one function call read and wrote, recorded by ctx.db. Realtime invalidation (M5) and
 * table rules (M3) sit on it; today tests read it. Keys are hex strings of index key bytes
 * (see `indexKey` in index-key.ts): byte-wise order of keys is index order.
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

/** Collects reads and writes of one call (nested `runQuery`/`runMutation` calls share their caller's log). */
export class AccessLog {
  readonly reads: ReadRecord[] = [];
  readonly writes: WriteRecord[] = [];

  read(record: ReadRecord): void {
    this.reads.push(record);
  }

  write(record: WriteRecord): void {
    this.writes.push(record);
  }

  /** Tables read (by a range or a get). */
  tablesRead(): Set<string> {
    return new Set(this.reads.map((record) => record.table));
  }

  /** Tables written. */
  tablesWritten(): Set<string> {
    return new Set(this.writes.map((record) => record.table));
  }

  /** Drops records added after `mark` (a rolled-back savepoint's writes and reads). */
  truncate(mark: { reads: number; writes: number }): void {
    this.reads.length = mark.reads;
    this.writes.length = mark.writes;
  }

  /** A position to truncate back to. */
  mark(): { reads: number; writes: number } {
    return { reads: this.reads.length, writes: this.writes.length };
  }
}

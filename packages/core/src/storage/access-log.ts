/**
 * What one function call read and wrote, recorded by ctx.db. Realtime invalidation (M5) and
 * table rules (M3) sit on it; today tests read it. The record types live in reactivity/records.ts
 * (the browser-safe realtime core shares them).
 */

import type { IndexRangeRead, ReadRecord, WriteRecord } from "../reactivity/records.js";

export type { DocumentRead, IndexRangeRead, ReadRecord, WriteRecord } from "../reactivity/records.js";

/** Bounds of an index range read (hex keys). */
export interface RangeBounds {
  lower: string;
  upper: string | null;
}

/** A range read whose bounds are computed when {@link AccessLog.reads} is first looked at. */
class DeferredRange {
  constructor(
    readonly table: string,
    readonly index: string,
    readonly bounds: () => RangeBounds,
  ) {}
}

/** Collects reads and writes of one call (nested `runQuery`/`runMutation` calls share their caller's log). */
export class AccessLog {
  readonly writes: WriteRecord[] = [];
  readonly #reads: (ReadRecord | DeferredRange)[] = [];
  /** Whether {@link #reads} may hold a {@link DeferredRange}. */
  #deferred = false;

  /**
   * The reads, in order. Range reads recorded with {@link readRange} become plain records here,
   * on first access: most calls' read sets are never looked at (only live queries compare keys),
   * and hex-encoding sort keys costs as much as decoding the rows.
   */
  get reads(): ReadRecord[] {
    if (this.#deferred) {
      const reads = this.#reads;
      for (let i = 0; i < reads.length; i++) {
        const read = reads[i]!;
        if (read instanceof DeferredRange) reads[i] = { kind: "range", table: read.table, index: read.index, ...read.bounds() } satisfies IndexRangeRead;
      }
      this.#deferred = false;
    }
    return this.#reads as ReadRecord[];
  }

  read(record: ReadRecord): void {
    this.#reads.push(record);
  }

  /**
   * Records a range read of `index` whose bounds `bounds` computes later (see {@link reads}).
   * `bounds` must depend only on values captured when the read happened (not on documents the
   * handler can still change) and return a fresh object.
   */
  readRange(table: string, index: string, bounds: () => RangeBounds): void {
    this.#reads.push(new DeferredRange(table, index, bounds));
    this.#deferred = true;
  }

  write(record: WriteRecord): void {
    this.writes.push(record);
  }

  /** Tables read (by a range or a get). */
  tablesRead(): Set<string> {
    return new Set(this.#reads.map((record) => record.table));
  }

  /** Tables written. */
  tablesWritten(): Set<string> {
    return new Set(this.writes.map((record) => record.table));
  }

  /** Drops records added after `mark` (a rolled-back savepoint's writes and reads). */
  truncate(mark: { reads: number; writes: number }): void {
    this.#reads.length = mark.reads;
    this.writes.length = mark.writes;
  }

  /** A position to truncate back to. */
  mark(): { reads: number; writes: number } {
    return { reads: this.#reads.length, writes: this.writes.length };
  }
}

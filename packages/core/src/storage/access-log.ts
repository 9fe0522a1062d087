/**
 * What one function call read and wrote, recorded by ctx.db. Realtime invalidation (M5) and
 * table rules (M3) sit on it; today tests read it. The record types live in reactivity/records.ts
 * (the browser-safe realtime core shares them).
 */

import type { ReadRecord, WriteRecord } from "../reactivity/records.js";

export type { DocumentRead, IndexRangeRead, ReadRecord, WriteRecord } from "../reactivity/records.js";

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

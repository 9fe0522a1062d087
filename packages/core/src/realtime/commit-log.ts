import { everythingWriteSet, type WriteSet } from "../reactivity/write-set.js";

/** One published commit: its version and the write set it committed. */
export interface LoggedCommit {
  version: number;
  writes: WriteSet;
}

/**
 * The last committed write sets, with their versions. After a query ran on a snapshot taken
 * after version `s`, the commits logged after `s` may or may not be in its result: the engine
 * tests them against the query's new read set ({@link since}). Bounded: past `capacity`, the
 * oldest entries are dropped, and asking for a range that lost entries answers "everything".
 */
export class CommitLog {
  /** Entries from `start` on are live; the array is compacted once as many are dead (O(1) amortized per push). */
  private entries: (LoggedCommit | undefined)[] = [];
  private start = 0;
  private dropped = -Infinity;

  constructor(private readonly capacity = 4096) {}

  push(version: number, writes: WriteSet): void {
    this.entries.push({ version, writes });
    if (this.entries.length - this.start > this.capacity) {
      this.dropped = this.entries[this.start]!.version;
      this.entries[this.start++] = undefined;
      if (this.start >= this.capacity) {
        this.entries = this.entries.slice(this.start);
        this.start = 0;
      }
    }
  }

  /** Write sets of the commits with a version above `version`, newest first (`everything` when some were dropped). */
  since(version: number): WriteSet[] {
    if (this.dropped > version) return [everythingWriteSet()];
    const found: WriteSet[] = [];
    for (let i = this.entries.length - 1; i >= this.start && this.entries[i]!.version > version; i--) found.push(this.entries[i]!.writes);
    return found;
  }

  /** Forget every entry (no run in progress can ask for them any more). */
  clear(): void {
    this.entries = [];
    this.start = 0;
  }

  get size(): number {
    return this.entries.length - this.start;
  }
}

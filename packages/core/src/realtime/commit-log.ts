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
  private readonly entries: LoggedCommit[] = [];
  private dropped = -Infinity;

  constructor(private readonly capacity = 4096) {}

  push(version: number, writes: WriteSet): void {
    this.entries.push({ version, writes });
    if (this.entries.length > this.capacity) {
      const removed = this.entries.splice(0, this.entries.length - this.capacity);
      this.dropped = removed[removed.length - 1]!.version;
    }
  }

  /** Write sets of the commits with a version above `version`, newest first (`everything` when some were dropped). */
  since(version: number): WriteSet[] {
    if (this.dropped > version) return [everythingWriteSet()];
    const found: WriteSet[] = [];
    for (let i = this.entries.length - 1; i >= 0 && this.entries[i]!.version > version; i--) found.push(this.entries[i]!.writes);
    return found;
  }

  get size(): number {
    return this.entries.length;
  }
}

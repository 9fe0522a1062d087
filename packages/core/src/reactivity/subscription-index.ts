import { IntervalTree, type IntervalHandle } from "./interval-tree.js";
import { readSpan } from "./overlap.js";
import type { ReadRecord } from "./records.js";
import type { WriteSet } from "./write-set.js";

/** The subscriptions reading one index of one table. */
interface IndexEntry<Id> {
  /** Ranges read, each with its subscription. */
  ranges: IntervalTree<Id>;
  /** Subscriptions that read the whole index (any write to the table reaches them). */
  whole: Set<Id>;
}

type Registration<Id> = { entry: IndexEntry<Id>; handle: IntervalHandle } | { entry: IndexEntry<Id>; handle: null };

/**
 * Live subscriptions by what they read, to find the ones a commit may have changed without
 * looking at the others: per table and index, an interval tree of the ranges read (a `get` is a
 * point of `by_id`), and a set of whole-index readers. `match` returns exactly the
 * subscriptions for which {@link overlaps} holds for one of their reads.
 *
 * @example
 * const index = new SubscriptionIndex<number>();
 * index.add(1, log.reads);
 * index.match(writeSetOf(commitLog.writes)); // Set {1} when the commit touched what 1 read
 */
export class SubscriptionIndex<Id> {
  private readonly tables = new Map<string, Map<string, IndexEntry<Id>>>();
  private readonly registrations = new Map<Id, { table: string; index: string; registration: Registration<Id> }[]>();
  /** Entries examined by `match` since this index was made (tests bound it; no other use). */
  visited = 0;

  /** Subscriptions registered. */
  get size(): number {
    return this.registrations.size;
  }

  /** Registers (or re-registers, replacing its previous reads) a subscription with its read set. */
  add(id: Id, reads: Iterable<ReadRecord>): void {
    this.remove(id);
    const registrations: { table: string; index: string; registration: Registration<Id> }[] = [];
    for (const read of reads) {
      const { index, span } = readSpan(read);
      if (span.upper !== null && span.upper <= span.lower) continue; // an empty range: nothing can change it
      const entry = this.entry(read.table, index);
      if (span.lower === "" && span.upper === null) {
        entry.whole.add(id);
        registrations.push({ table: read.table, index, registration: { entry, handle: null } });
      } else {
        const handle = entry.ranges.insert(span.lower, span.upper, id)!;
        registrations.push({ table: read.table, index, registration: { entry, handle } });
      }
    }
    this.registrations.set(id, registrations);
  }

  /** Unregisters a subscription; false when it was not registered. */
  remove(id: Id): boolean {
    const registrations = this.registrations.get(id);
    if (registrations === undefined) return false;
    this.registrations.delete(id);
    for (const { table, index, registration } of registrations) {
      const { entry, handle } = registration;
      if (handle === null) entry.whole.delete(id);
      else entry.ranges.remove(handle);
      if (entry.ranges.size === 0 && entry.whole.size === 0) {
        const indexes = this.tables.get(table);
        indexes?.delete(index);
        if (indexes?.size === 0) this.tables.delete(table);
      }
    }
    return true;
  }

  /** The subscriptions a commit with this write set may have changed. */
  match(writes: WriteSet): Set<Id> {
    const out = new Set<Id>();
    const add = (id: Id) => void out.add(id);
    if (writes.everything) {
      for (const [id, registrations] of this.registrations) if (registrations.length > 0) out.add(id);
      this.visited += this.registrations.size;
      return out;
    }
    for (const [table, spansByIndex] of writes.tables) {
      const indexes = this.tables.get(table);
      if (indexes === undefined) continue;
      for (const [name, entry] of indexes) {
        const spans = spansByIndex.get(name);
        if (spans === undefined) {
          // the write set does not say where in this index: every reader of it
          this.visited += entry.ranges.forEach(add);
        } else {
          for (const span of spans) this.visited += entry.ranges.search(span.lower, span.upper, add);
        }
        if (spans === undefined || spans.length > 0) {
          for (const id of entry.whole) out.add(id);
          this.visited += entry.whole.size;
        }
      }
    }
    return out;
  }

  private entry(table: string, index: string): IndexEntry<Id> {
    let indexes = this.tables.get(table);
    if (indexes === undefined) this.tables.set(table, (indexes = new Map<string, IndexEntry<Id>>()));
    let entry = indexes.get(index);
    if (entry === undefined) indexes.set(index, (entry = { ranges: new IntervalTree<Id>(), whole: new Set() }));
    return entry;
  }
}

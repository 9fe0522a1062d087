import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readRecord, writeRecord } from "../../test/reactivity/arbitraries.js";
import { tupleKey } from "../storage/index-key.js";
import { bytesToHex as toHex } from "../storage/sort-key.js";
import { idKey } from "./key-span.js";
import { overlaps, overlapsAny } from "./overlap.js";
import type { ReadRecord, WriteRecord } from "./records.js";
import { SubscriptionIndex } from "./subscription-index.js";
import { decodeWriteSet, encodeWriteSet } from "./write-set-codec.js";
import { writeSetOf, type WriteSet } from "./write-set.js";

type Op = { kind: "add"; id: number; reads: ReadRecord[] } | { kind: "remove"; id: number } | { kind: "match"; writes: WriteRecord[]; budget: number | null };

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("add" as const), id: fc.nat({ max: 15 }), reads: fc.array(readRecord, { maxLength: 4 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant("remove" as const), id: fc.nat({ max: 15 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("match" as const), writes: fc.array(writeRecord, { maxLength: 5 }), budget: fc.option(fc.integer({ min: 10, max: 200 })) }), weight: 3 },
);

describe("SubscriptionIndex", () => {
  it("matches exactly the subscriptions one of whose reads the write set overlaps", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const index = new SubscriptionIndex<number>();
        const model = new Map<number, ReadRecord[]>();
        for (const step of ops) {
          if (step.kind === "add") {
            index.add(step.id, step.reads);
            model.set(step.id, step.reads);
          } else if (step.kind === "remove") {
            expect(index.remove(step.id)).toBe(model.delete(step.id));
          } else {
            // exact write sets, and coarsened ones (through a tight payload budget)
            const exact = writeSetOf(step.writes);
            const writes: WriteSet = step.budget === null ? exact : decodeWriteSet(encodeWriteSet(exact, step.budget));
            const expected = [...model].filter(([, reads]) => overlapsAny(writes, reads)).map(([id]) => id);
            expect([...index.match(writes)].sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
          }
          expect(index.size).toBe(model.size);
        }
      }),
      { numRuns: 300 },
    );
  });

  describe("precision: 10,000 subscriptions", () => {
    // 5,000 `withIndex("by_author", q => q.eq("author", "user<i>"))` reads and 5,000 `get(id)` reads
    const authorPrefix = (author: string) => toHex(tupleKey([author]));
    const subscriptionReads = (i: number): ReadRecord[] =>
      i % 2 === 0
        ? [{ kind: "range", table: "messages", index: "by_author", lower: authorPrefix(`user${i}`), upper: `${authorPrefix(`user${i}`)}ff` }]
        : [{ kind: "get", table: "messages", id: `id${i}` }];
    const index = new SubscriptionIndex<number>();
    const all = new Map<number, ReadRecord[]>();
    for (let i = 0; i < 10_000; i++) {
      index.add(i, subscriptionReads(i));
      all.set(i, subscriptionReads(i));
    }
    const insertBy = (author: string, id: string): WriteRecord => {
      const tail = toHex(tupleKey([1_700_000_000_000.5, id]));
      return { table: "messages", id, op: "insert", newKeys: { by_id: idKey(id), by_creation_time: tail, by_author: authorPrefix(author) + tail } };
    };
    const bruteForce = (writes: WriteSet) => [...all].filter(([, reads]) => reads.some((read) => overlaps(writes, read))).map(([i]) => i);

    it("one write finds the one subscription whose range it falls in, visiting few entries", () => {
      const writes = writeSetOf([insertBy("user4242", "new1")]);
      const before = index.visited;
      expect([...index.match(writes)]).toEqual([4242]);
      expect(index.visited - before).toBeLessThan(500);
      expect(bruteForce(writes)).toEqual([4242]);
    });

    it("an update of a document read by id finds that subscription only", () => {
      const id = "id777";
      const old = insertBy("nobody", id).newKeys!;
      const writes = writeSetOf([{ table: "messages", id, op: "update", oldKeys: old, newKeys: old }]);
      const before = index.visited;
      expect([...index.match(writes)]).toEqual([777]);
      expect(index.visited - before).toBeLessThan(500);
    });

    it("writes outside every read range overlap nothing", () => {
      for (const [author, id] of [["user4243", "x1"], ["zed", "x2"], ["", "x3"], ["user1", "id10000"]] as const) {
        const writes = writeSetOf([insertBy(author, id)]);
        expect(index.match(writes).size).toBe(0);
        expect(bruteForce(writes)).toEqual([]);
      }
      // and a write to another table
      expect(index.match(writeSetOf([{ ...insertBy("user4242", "id1"), table: "other" }])).size).toBe(0);
    });
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bigCommit, readRecord, writeRecord } from "../../test/reactivity/arbitraries.js";
import { overlaps } from "./overlap.js";
import { idKey } from "./key-span.js";
import type { ReadRecord, WriteRecord } from "./records.js";
import { NOTIFY_PAYLOAD_MAX_BYTES, decodeWriteSet, encodeWriteSet } from "./write-set-codec.js";
import { writeSetOf, type WriteSet } from "./write-set.js";

const bytes = (text: string) => new TextEncoder().encode(text).length;
const EVERYTHING_BYTES = bytes(encodeWriteSet({ everything: true, tables: new Map() }));

/** Every read of the exact set's own keys (points), and its tables' whole ranges. */
function readsOf(writes: WriteSet): ReadRecord[] {
  return [...writes.tables].flatMap(([table, indexes]) =>
    [...indexes].flatMap(([index, spans]) => spans.map((span): ReadRecord => ({ kind: "range", table, index, lower: span.lower, upper: span.upper }))),
  );
}

describe("write set codec", () => {
  it("round-trips an exact write set that fits", () => {
    fc.assert(
      fc.property(fc.array(writeRecord, { maxLength: 8 }), (records) => {
        const exact = writeSetOf(records);
        const payload = encodeWriteSet(exact);
        expect(bytes(payload)).toBeLessThanOrEqual(NOTIFY_PAYLOAD_MAX_BYTES);
        expect(decodeWriteSet(payload)).toEqual(exact);
      }),
    );
  });

  it("fits any budget and, decoded, still overlaps every read the exact set overlaps", () => {
    fc.assert(
      fc.property(fc.array(writeRecord, { maxLength: 12 }), fc.array(readRecord, { maxLength: 30 }), fc.integer({ min: 0, max: 400 }), (records, reads, budget) => {
        const exact = writeSetOf(records);
        const payload = encodeWriteSet(exact, budget);
        expect(bytes(payload)).toBeLessThanOrEqual(Math.max(budget, EVERYTHING_BYTES));
        const coarse = decodeWriteSet(payload);
        for (const read of reads) if (overlaps(exact, read)) expect(overlaps(coarse, read)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("a commit too big for NOTIFY degrades to covering ranges that fit, keeps its tables, and covers every key", () => {
    fc.assert(
      fc.property(bigCommit(300, 3000), (records) => {
        const exact = writeSetOf(records);
        expect(bytes(encodeWriteSet(exact, Infinity))).toBeGreaterThan(NOTIFY_PAYLOAD_MAX_BYTES);
        const payload = encodeWriteSet(exact);
        expect(bytes(payload)).toBeLessThanOrEqual(NOTIFY_PAYLOAD_MAX_BYTES);
        const coarse = decodeWriteSet(payload);
        expect(coarse.everything).toBe(false);
        expect([...coarse.tables.keys()].sort()).toEqual([...exact.tables.keys()].sort());
        for (const read of readsOf(exact)) expect(overlaps(coarse, read)).toBe(true);
        // a table the commit did not write is still not touched
        expect(overlaps(coarse, { kind: "get", table: "elsewhere", id: "x" })).toBe(false);
      }),
      { numRuns: 15 },
    );
  });

  it("degrades step by step: merged ranges, then whole indexes, then everything", () => {
    const records = Array.from({ length: 2000 }, (_, i): WriteRecord => {
      const id = `doc${(i * 7919) % 2000}`;
      const tail = (1_700_000_000_000 + i).toString(16).padStart(16, "0") + idKey(id);
      return { table: "t", id, op: "insert", newKeys: { by_id: idKey(id), by_creation_time: tail, by_a: ((i * 31) % 97).toString(16).padStart(2, "0") + tail } };
    });
    const exact = writeSetOf(records);
    expect(bytes(encodeWriteSet(exact, Infinity))).toBeGreaterThan(NOTIFY_PAYLOAD_MAX_BYTES);

    const merged = decodeWriteSet(encodeWriteSet(exact));
    const mergedIndexes = merged.tables.get("t")!;
    expect([...mergedIndexes.keys()].sort()).toEqual(["by_a", "by_creation_time", "by_id"]);
    for (const [name, spans] of mergedIndexes) {
      expect(spans.length).toBeGreaterThan(0);
      expect(spans.length).toBeLessThan(exact.tables.get("t")!.get(name)!.length);
    }

    const someIndexes = decodeWriteSet(encodeWriteSet(exact, 60)).tables.get("t")!;
    expect(someIndexes.size).toBeLessThan(3);

    const tableOnly = decodeWriteSet(encodeWriteSet(exact, 20));
    expect(tableOnly.everything).toBe(false);
    expect(tableOnly.tables.get("t")!.size).toBe(0);
    expect(overlaps(tableOnly, { kind: "get", table: "t", id: "anything" })).toBe(true);
    expect(overlaps(tableOnly, { kind: "get", table: "u", id: "anything" })).toBe(false);

    expect(decodeWriteSet(encodeWriteSet(exact, 5)).everything).toBe(true);
  });

  it("a payload it cannot read means anything may have changed", () => {
    for (const payload of ["", "{", "[]", '["w2",[]]', '["w1",[["t",[["by_id","zz"]]]]]', '["w1",[["t",[["by_id","9.00"]]]]]', '["w1",[[1,[]]]]']) {
      expect(decodeWriteSet(payload).everything).toBe(true);
    }
    expect(decodeWriteSet('["w1",[["t",[]]]]')).toEqual({ everything: false, tables: new Map([["t", new Map()]]) });
  });

  it("front-codes keys sharing a prefix", () => {
    const key = "06757365723432343200";
    const writes: WriteSet = { everything: false, tables: new Map([["t", new Map([["by_a", [{ lower: `${key}01`, upper: `${key}0100` }, { lower: `${key}02`, upper: null }]]])]]) };
    const payload = encodeWriteSet(writes);
    expect(payload).toBe(`["w1",[["t",[["by_a","0.${key}01,${(key.length + 1).toString(36)}.2~"]]]]]`);
    expect(decodeWriteSet(payload)).toEqual(writes);
  });
});

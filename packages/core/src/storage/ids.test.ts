import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ID_ALPHABET, ID_LENGTH } from "../values/id-format.js";
import { composeId, isIdFormat, isIdOfTable, newCreationTime, newId, seedIdCounter, tableTag, tagOfId } from "./ids.js";

describe("ids", () => {
  it("are 26 URL-safe characters that name their table", () => {
    const id = newId("messages");
    expect(id).toMatch(/^[0-9a-z]{26}$/);
    expect(encodeURIComponent(id)).toBe(id);
    expect(isIdFormat(id)).toBe(true);
    expect(tagOfId(id)).toBe(tableTag("messages"));
    expect(isIdOfTable(id, "messages")).toBe(true);
    expect(isIdOfTable(id, "users")).toBe(false);
  });

  it("are unique and sort by creation time, also within one millisecond", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => newId("t", 1_700_000_000_000 + Math.floor(i / 1000)));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const later = newId("t", 1_800_000_000_000);
    expect(later > ids.at(-1)!).toBe(true);
  });

  it("encode their 128 bits (48-bit ms, 56-bit counter, 24-bit tag) in base32, most significant first", () => {
    // the layout spelled out with BigInt, as a reference
    const reference = (ms: number, counter: bigint, table: string): string => {
      const bits = ((BigInt(ms) & ((1n << 48n) - 1n)) << 80n) | ((counter & ((1n << 56n) - 1n)) << 24n) | BigInt(tableTag(table));
      let out = "";
      for (let i = ID_LENGTH - 1; i >= 0; i--) out += ID_ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)]!;
      return out;
    };
    const edges = [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 48 - 1, 2 ** 48, 1_700_000_000_000];
    const counters = [0n, 1n, 255n, 256n, (1n << 32n) - 1n, 1n << 32n, (1n << 56n) - 1n];
    for (const ms of edges) for (const counter of counters) expect(composeId(ms, counter, "messages")).toBe(reference(ms, counter, "messages"));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 52 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.string({ minLength: 1, maxLength: 12 }), (ms, counter, table) => {
        expect(composeId(ms, counter, table)).toBe(reference(ms, counter, table));
      }),
      { numRuns: 2000 },
    );
  });

  it("count up within one millisecond across the counter's word boundary, and past its end into the next millisecond", () => {
    const ms = 1_700_000_000_000;
    for (const start of [(1n << 32n) - 2n, (1n << 56n) - 2n]) {
      seedIdCounter(ms, start);
      const ids = [newId("t", ms), newId("t", ms), newId("t", ms)];
      const expected = start === (1n << 56n) - 2n ? [composeId(ms, start + 1n, "t"), composeId(ms + 1, 0n, "t"), composeId(ms + 1, 1n, "t")] : [1n, 2n, 3n].map((n) => composeId(ms, start + n, "t"));
      expect(ids).toEqual(expected);
      expect([...ids].sort()).toEqual(ids);
    }
  });

  it("rejects strings that are not ids", () => {
    for (const s of ["", "abc", "0".repeat(25), "8".repeat(26), "0".repeat(25) + "u", "0".repeat(25) + "I", " ".repeat(26)]) {
      expect(isIdFormat(s)).toBe(false);
      expect(tagOfId(s)).toBeNull();
    }
  });

  it("creation times strictly increase in one process", () => {
    const times = Array.from({ length: 100 }, () => newCreationTime(1000));
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
  });
});

import { describe, expect, it } from "vitest";
import { lazyRangeRead } from "./lazy-range-read.js";

describe("lazyRangeRead", () => {
  it("computes the bounds once, on first access, and reads like a plain record", () => {
    let computed = 0;
    const record = lazyRangeRead("messages", "by_author", () => {
      computed++;
      return { lower: "0a", upper: "0b" };
    });
    expect(computed).toBe(0);
    expect(record).toEqual({ kind: "range", table: "messages", index: "by_author", lower: "0a", upper: "0b" });
    expect({ ...record }).toStrictEqual({ kind: "range", table: "messages", index: "by_author", lower: "0a", upper: "0b" });
    expect(JSON.parse(JSON.stringify(record))).toEqual({ kind: "range", table: "messages", index: "by_author", lower: "0a", upper: "0b" });
    expect(computed).toBe(1);
  });

  it("keeps assignments (write-set merging widens bounds in place)", () => {
    const record = lazyRangeRead("t", "i", () => ({ lower: "01", upper: null }));
    record.upper = "ff";
    record.lower = "00";
    expect([record.lower, record.upper]).toEqual(["00", "ff"]);
  });

  it("shares one getter and setter between all reads (per-read accessors give each read a hidden class V8 keeps alive)", () => {
    const a = lazyRangeRead("t", "i", () => ({ lower: "01", upper: null }));
    const b = lazyRangeRead("u", "j", () => ({ lower: "02", upper: "03" }));
    for (const key of ["lower", "upper"]) {
      const left = Object.getOwnPropertyDescriptor(a, key)!;
      const right = Object.getOwnPropertyDescriptor(b, key)!;
      expect(left.get).toBe(right.get);
      expect(left.set).toBe(right.set);
      expect(left.enumerable).toBe(true);
    }
    expect(Object.keys(a)).toEqual(["kind", "table", "index", "lower", "upper"]);
  });
});

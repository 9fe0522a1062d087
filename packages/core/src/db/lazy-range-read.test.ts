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
});

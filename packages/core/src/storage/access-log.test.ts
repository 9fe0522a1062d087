import { describe, expect, it } from "vitest";
import { AccessLog } from "./access-log.js";

describe("AccessLog", () => {
  it("computes a deferred range read's bounds once, when the reads are first looked at, as a plain record", () => {
    const log = new AccessLog();
    let computed = 0;
    log.read({ kind: "get", table: "users", id: "u1" });
    log.readRange("messages", "by_author", () => {
      computed++;
      return { lower: "0a", upper: "0b" };
    });
    expect(log.tablesRead()).toEqual(new Set(["users", "messages"]));
    expect(log.mark()).toEqual({ reads: 2, writes: 0 });
    expect(computed).toBe(0);
    const expected = [
      { kind: "get", table: "users", id: "u1" },
      { kind: "range", table: "messages", index: "by_author", lower: "0a", upper: "0b" },
    ];
    expect(log.reads).toStrictEqual(expected);
    expect(JSON.parse(JSON.stringify(log.reads))).toEqual(expected);
    expect(log.reads[1]).toBe(log.reads[1]);
    expect(computed).toBe(1);
  });

  it("resolves ranges recorded after a look, and truncates to a mark", () => {
    const log = new AccessLog();
    log.readRange("t", "i", () => ({ lower: "01", upper: null }));
    expect(log.reads).toHaveLength(1);
    const mark = log.mark();
    log.readRange("t", "j", () => ({ lower: "02", upper: "03" }));
    log.readRange("t", "k", () => {
      throw new Error("a truncated read is never computed");
    });
    log.truncate({ reads: 2, writes: 0 });
    expect(log.reads.map((read) => read.kind === "range" && read.index)).toEqual(["i", "j"]);
    log.truncate(mark);
    expect(log.reads).toEqual([{ kind: "range", table: "t", index: "i", lower: "01", upper: null }]);
  });
});

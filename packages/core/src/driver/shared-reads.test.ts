import { describe, expect, it } from "vitest";
import type { QueryResult } from "./driver.js";
import { SharedReads, sharedReadKey } from "./shared-reads.js";

/** A read the test starts and answers by hand. */
function controlledRead() {
  let start!: () => void;
  let answer!: (result: QueryResult) => void;
  let runs = 0;
  const read = (started: () => void) => {
    runs++;
    return new Promise<QueryResult>((resolve) => {
      start = started;
      answer = resolve;
    });
  };
  return { read, start: () => start(), answer: (rows: unknown[]) => answer({ rows: rows as QueryResult["rows"], rowCount: 0 }), runs: () => runs };
}

describe("SharedReads", () => {
  it("reads queued under one key share the first one's statement, each with its own rows array", async () => {
    const shared = new SharedReads();
    const read = controlledRead();
    const results = [shared.run("k", read.read), shared.run("k", read.read), shared.run("k", read.read)];
    expect(read.runs()).toBe(1);
    read.start();
    read.answer([{ n: 1 }]);
    const answered = await Promise.all(results);
    expect(answered.map((r) => r.rows)).toEqual([[{ n: 1 }], [{ n: 1 }], [{ n: 1 }]]);
    expect(new Set(answered.map((r) => r.rows)).size).toBe(3);
  });

  it("a read that arrives once the statement has started runs its own", async () => {
    const shared = new SharedReads();
    const first = controlledRead();
    const a = shared.run("k", first.read);
    first.start();
    const second = controlledRead();
    const b = shared.run("k", second.read);
    expect(second.runs()).toBe(1);
    first.answer([{ n: 1 }]);
    second.start();
    second.answer([{ n: 2 }]);
    expect((await a).rows).toEqual([{ n: 1 }]);
    expect((await b).rows).toEqual([{ n: 2 }]);
  });

  it("other keys, and reads without a key, never share", () => {
    const shared = new SharedReads();
    const read = controlledRead();
    void shared.run("a", read.read);
    void shared.run("b", read.read);
    void shared.run(undefined, read.read);
    void shared.run(undefined, read.read);
    expect(read.runs()).toBe(4);
  });

  it("a failure reaches every reader that shared the statement, and the next read runs again", async () => {
    const shared = new SharedReads();
    let fail!: (error: Error) => void;
    const failing = () => new Promise<QueryResult>((_, reject) => (fail = reject));
    const results = [shared.run("k", failing), shared.run("k", failing)];
    fail(new Error("connection lost"));
    for (const result of results) await expect(result).rejects.toThrow("connection lost");
    const read = controlledRead();
    const next = shared.run("k", read.read);
    expect(read.runs()).toBe(1);
    read.start();
    read.answer([]);
    await expect(next).resolves.toEqual({ rows: [], rowCount: 0 });
  });
});

describe("sharedReadKey", () => {
  it("tells apart texts and parameter lists; reads with other parameters are not shared", () => {
    expect(sharedReadKey("SELECT $1", ["1"])).not.toBe(sharedReadKey("SELECT $1", [1]));
    expect(sharedReadKey("SELECT $1", [null])).not.toBe(sharedReadKey("SELECT $1", ["null"]));
    expect(sharedReadKey("SELECT 1", undefined)).toBe(sharedReadKey("SELECT 1", []));
    for (const param of [Number.NaN, Number.POSITIVE_INFINITY, new Uint8Array([1]), { a: 1 }, 1n, undefined]) {
      expect(sharedReadKey("SELECT $1", [param])).toBeUndefined();
    }
    expect(sharedReadKey("SELECT $1", ["x".repeat(5000)])).toBeUndefined();
  });
});

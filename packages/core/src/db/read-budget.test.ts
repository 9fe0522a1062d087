import { describe, expect, it } from "vitest";
import { isFrameworkError } from "../errors/framework-error.js";
import { COLD_BATCH_ROWS, ReadBudget, readInBatches } from "./read-budget.js";

const row = (bytes: number) => ({ _id: "x", data: { s: "y".repeat(bytes) } });

describe("ReadBudget", () => {
  it("sizes batches: small bounded reads whole, cold large reads small, then by the bytes left", () => {
    const budget = new ReadBudget({ maxDocumentsRead: 1000, maxBytesRead: 100_000 }, "query \"t:x\"");
    const table = {};
    expect(budget.batchSize(table, 20)).toBe(20);
    expect(budget.batchSize(table, Number.POSITIVE_INFINITY)).toBe(COLD_BATCH_ROWS);
    budget.charge([row(990)], table); // about 1000 bytes per row from now on
    const size = budget.batchSize(table, Number.POSITIVE_INFINITY);
    expect(size).toBeGreaterThan(90);
    expect(size).toBeLessThanOrEqual(101);
    // never more than one past the documents left, never more than 8× the previous batch
    expect(new ReadBudget({ maxDocumentsRead: 5, maxBytesRead: 1e9 }, "q").batchSize(table, 100)).toBe(6);
    expect(new ReadBudget({ maxDocumentsRead: 1e6, maxBytesRead: 1e12 }, "q").batchSize(table, Number.POSITIVE_INFINITY, 10)).toBe(80);
  });

  it("throws LIMIT_EXCEEDED past either limit and tells onExceeded", () => {
    const seen: unknown[] = [];
    const budget = new ReadBudget({ maxDocumentsRead: 2, maxBytesRead: 1e9 }, 'query "t:x"', (error) => seen.push(error));
    budget.charge([row(1), row(1)]);
    expect(() => budget.charge([row(1)])).toThrow('query "t:x" read more than 2 documents (limits.maxDocumentsRead)');
    expect(seen.length).toBe(1);
    const bytes = new ReadBudget({ maxDocumentsRead: 100, maxBytesRead: 500 }, 'query "t:y"');
    let error: unknown;
    try {
      bytes.charge([row(600)]);
    } catch (thrown) {
      error = thrown;
    }
    expect(isFrameworkError(error, "LIMIT_EXCEEDED")).toBe(true);
    expect((error as Error).message).toContain("read more than 500 bytes of documents (limits.maxBytesRead)");
  });

  it("readInBatches continues after the last row until the range or the wanted count ends", async () => {
    const budget = new ReadBudget({ maxDocumentsRead: 10_000, maxBytesRead: 1e9 }, "q");
    const source = Array.from({ length: 300 }, (_, i) => i);
    const limits: number[] = [];
    const table = {};
    const rows = await readInBatches(budget, table, null, (after: number | null, limit) => {
      limits.push(limit);
      const start = after === null ? 0 : after + 1;
      const batch = source.slice(start, start + limit);
      budget.charge(batch.map(() => row(10)), table);
      return Promise.resolve(batch);
    });
    expect(rows).toEqual(source);
    expect(limits[0]).toBe(COLD_BATCH_ROWS);
    expect(limits.length).toBe(2);
  });
});

import { describe, expect, it } from "vitest";
import { recordingQueryable, useDbHarness } from "../../test/db/harness.js";
import { isFrameworkError } from "../errors/index.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { AccessLog } from "../storage/access-log.js";
import { loadCursorSecret } from "../storage/storage-check.js";
import { v } from "../values/index.js";
import { createDatabase, type DatabaseImpl, type Document } from "./index.js";
import { DEFAULT_MAX_PAGE_SIZE, type PaginationResult } from "./query.js";

const schema = defineSchema({ rows: defineTable({ k: v.number(), g: v.string() }).index("by_k", ["k"]) });
const h = useDbHarness(schema);

/** `count` rows with k = 0…count-1, g alternating "x", "y". */
async function reset(count: number): Promise<void> {
  await h.database().driver.query(`TRUNCATE "rows"`);
  await h.run(async (db) => {
    for (let k = 0; k < count; k++) await db.insert("rows", { k, g: k % 2 === 0 ? "x" : "y" });
  });
}

/** A ctx.db with the given page cap, in one read-only transaction. */
async function withLimits<T>(maxPageSize: number, fn: (db: DatabaseImpl) => Promise<T>, statements?: { sql: string; params: readonly unknown[] }[]): Promise<T> {
  const { driver } = h.database();
  const cursorSecret = await loadCursorSecret(driver);
  return driver.transaction({ isolation: "repeatable read", readOnly: true }, (raw) => {
    const tx = statements === undefined ? raw : recordingQueryable(raw, statements);
    return fn(createDatabase({ tx, catalog: h.catalog(), log: new AccessLog(), writable: false, cursorSecret, limits: { maxPageSize } }));
  });
}

/** Every page of a walk from the start, with the options of each request. */
async function walk(options: { numItems: number; maximumRowsRead?: number; filterX?: boolean; maxPageSize?: number }): Promise<PaginationResult[]> {
  const pages: PaginationResult[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 200; i++) {
    const result: PaginationResult = await withLimits(options.maxPageSize ?? DEFAULT_MAX_PAGE_SIZE, (db) => {
      const base = db.query("rows").withIndex("by_k");
      const query = options.filterX === true ? base.filter((q) => q.eq(q.field("g"), "x")) : base;
      return query.paginate({ numItems: options.numItems, cursor, ...(options.maximumRowsRead === undefined ? {} : { maximumRowsRead: options.maximumRowsRead }) });
    });
    pages.push(result);
    if (result.isDone) return pages;
    cursor = result.continueCursor;
  }
  throw new Error("pagination did not end");
}

const ks = (pages: PaginationResult[]): number[] => pages.flatMap((page) => page.page.map((doc: Document) => doc.k as number));

async function expectBadRequest(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(isFrameworkError(error, "BAD_REQUEST"), String(error)).toBe(true);
  expect((error as Error).message).toMatch(message);
}

describe("numItems is capped", () => {
  it("clamps a page to limits.maxPageSize; the walk still returns every document once", async () => {
    await reset(25);
    const pages = await walk({ numItems: 1000, maxPageSize: 10 });
    expect(pages.map((page) => page.page.length)).toEqual([10, 10, 5]);
    expect(pages.map((page) => page.isDone)).toEqual([false, false, true]);
    expect(ks(pages)).toEqual([...Array(25).keys()]);
  });

  it(`defaults to ${DEFAULT_MAX_PAGE_SIZE}`, async () => {
    await reset(DEFAULT_MAX_PAGE_SIZE + 3);
    const first = await h.run((db) => db.query("rows").withIndex("by_k").paginate({ numItems: 5000, cursor: null }));
    expect(first.page).toHaveLength(DEFAULT_MAX_PAGE_SIZE);
    expect(first.isDone).toBe(false);
  });
});

describe("maximumRowsRead", () => {
  it("cuts a page short with SplitRequired and a split cursor; the walk covers everything once", async () => {
    await reset(10);
    const pages = await walk({ numItems: 8, maximumRowsRead: 4 });
    expect(pages[0]).toMatchObject({ isDone: false, pageStatus: "SplitRequired", splitCursor: expect.any(String) });
    expect(pages[0]!.page.map((doc) => doc.k)).toEqual([0, 1, 2, 3]);
    expect(ks(pages)).toEqual([...Array(10).keys()]);
    // The split cursor continues after the page's middle document.
    const second = await withLimits(DEFAULT_MAX_PAGE_SIZE, (db) => db.query("rows").withIndex("by_k").paginate({ numItems: 8, cursor: pages[0]!.splitCursor!, maximumRowsRead: 4 }));
    expect(second.page[0]!.k).toBe(2);
  });

  it("counts the rows a filter drops, and never examines more than the bound in one page", async () => {
    await reset(20);
    const statements: { sql: string; params: readonly unknown[] }[] = [];
    const first = await withLimits(DEFAULT_MAX_PAGE_SIZE, (db) => db.query("rows").withIndex("by_k").filter((q) => q.eq(q.field("g"), "x")).paginate({ numItems: 10, cursor: null, maximumRowsRead: 6 }), statements);
    expect(first.page.map((doc) => doc.k)).toEqual([0, 2, 4]);
    expect(first).toMatchObject({ isDone: false, pageStatus: "SplitRequired" });
    expect(statements).toHaveLength(1);
    expect(statements[0]!.sql).toMatch(/LIMIT 6$/);
    const pages = await walk({ numItems: 10, maximumRowsRead: 6, filterX: true });
    expect(ks(pages)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  it("walks through rows that all fail the filter with empty pages, then ends", async () => {
    await reset(12);
    const pages = await withLimits(DEFAULT_MAX_PAGE_SIZE, async (db) => {
      const results: PaginationResult[] = [];
      let cursor: string | null = null;
      for (;;) {
        const result: PaginationResult = await db.query("rows").withIndex("by_k").filter((q) => q.eq(q.field("g"), "none")).paginate({ numItems: 3, cursor, maximumRowsRead: 5 });
        results.push(result);
        if (result.isDone) return results;
        cursor = result.continueCursor;
      }
    });
    expect(pages.map((page) => page.page.length)).toEqual([0, 0, 0]);
    expect(pages.map((page) => page.pageStatus ?? null)).toEqual(["SplitRequired", "SplitRequired", null]);
  });

  it("a full page within the bound is an ordinary page", async () => {
    await reset(10);
    const pages = await walk({ numItems: 3, maximumRowsRead: 100 });
    expect(pages.map((page) => page.pageStatus ?? null)).toEqual([null, null, null, null]);
    expect(ks(pages)).toEqual([...Array(10).keys()]);
  });

  it("rejects a bound that is not a positive integer, and maximumBytesRead", async () => {
    await reset(1);
    for (const bad of [0, -1, 1.5, "4"]) {
      await expectBadRequest(
        h.run((db) => db.query("rows").paginate({ numItems: 1, cursor: null, maximumRowsRead: bad as number })),
        /maximumRowsRead must be a positive integer/,
      );
    }
    await expectBadRequest(h.run((db) => db.query("rows").paginate({ numItems: 1, cursor: null, maximumBytesRead: 1000 })), /maximumBytesRead is not supported/);
  });
});

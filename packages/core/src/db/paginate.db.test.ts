import { describe, expect, it } from "vitest";
import { recordingQueryable, useDbHarness } from "../../test/db/harness.js";
import { isFrameworkError } from "../errors/index.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { compareValues } from "../values/compare.js";
import { v } from "../values/index.js";
import type { Document } from "./index.js";

const schema = defineSchema({
  items: defineTable({ k: v.number(), g: v.string() }).index("by_k", ["k"]).index("by_g_k", ["g", "k"]),
});
const h = useDbHarness(schema);

/** A deterministic pseudo-random sequence (tests must not flake). */
function rng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

async function reset(count: number, random: () => number): Promise<void> {
  await h.database().driver.query(`TRUNCATE "items"`);
  await h.run(async (db) => {
    for (let i = 0; i < count; i++) await db.insert("items", { k: Math.floor(random() * 20), g: random() < 0.5 ? "x" : "y" });
  });
}

function keyOrder(a: Document, b: Document): number {
  return compareValues(a.k as number, b.k as number) || a._creationTime - b._creationTime || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);
}

async function expectBadRequest(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(isFrameworkError(error, "BAD_REQUEST"), String(error)).toBe(true);
  expect((error as Error).message).toMatch(message);
}

describe("paginate", () => {
  for (const order of ["asc", "desc"] as const) {
    for (const withFilter of [false, true]) {
      it(`walks the index (${order}${withFilter ? ", filtered" : ""}) with no duplicates and no gaps while rows are inserted and deleted around the cursor`, async () => {
        const random = rng(order === "asc" ? 7 : 11);
        await reset(60, random);
        const query = (db: Parameters<Parameters<typeof h.run>[0]>[0]) => {
          const base = db.query("items").withIndex("by_k").order(order);
          return withFilter ? base.filter((q) => q.eq(q.field("g"), "x")) : base;
        };
        const matches = (doc: Document) => !withFilter || doc.g === "x";
        const initial = new Map((await h.run(async (db) => db.query("items").collect())).map((doc) => [doc._id, doc]));
        const deleted = new Set<string>();
        const seen: Document[] = [];
        let cursor: string | null = null;
        for (let pageNumber = 0; pageNumber < 100; pageNumber++) {
          const result = await h.run(async (db) => query(db).paginate({ numItems: 7, cursor }));
          seen.push(...result.page);
          expect(result.page.length).toBeLessThanOrEqual(7);
          if (result.isDone) {
            expect(typeof result.continueCursor).toBe("string");
            const after = await h.run(async (db) => query(db).paginate({ numItems: 7, cursor: result.continueCursor }));
            expect(after).toEqual({ page: [], isDone: true, continueCursor: expect.any(String) });
            break;
          }
          expect(result.page).toHaveLength(7);
          cursor = result.continueCursor;
          // another mutation writes around the cursor: before it, at it, after it
          await h.run(async (db) => {
            const last = result.page.at(-1)!;
            for (const k of [last.k as number, (last.k as number) - 1, (last.k as number) + 1, Math.floor(random() * 20)]) {
              await db.insert("items", { k, g: random() < 0.5 ? "x" : "y" });
            }
            const all = await db.query("items").collect();
            for (let i = 0; i < 3; i++) {
              const victim = all[Math.floor(random() * all.length)]!;
              if (deleted.has(victim._id)) continue;
              deleted.add(victim._id);
              await db.delete(victim._id);
            }
          });
        }
        // no duplicates, and pages are in index order
        expect(new Set(seen.map((doc) => doc._id)).size).toBe(seen.length);
        const sorted = [...seen].sort(keyOrder);
        expect(seen).toEqual(order === "asc" ? sorted : sorted.reverse());
        // no gaps: every matching document that existed the whole time was returned
        const survivors = [...initial.values()].filter((doc) => !deleted.has(doc._id) && matches(doc));
        const seenIds = new Set(seen.map((doc) => doc._id));
        for (const doc of survivors) expect(seenIds.has(doc._id), `missing ${JSON.stringify(doc)}`).toBe(true);
        for (const doc of seen) expect(matches(doc)).toBe(true);
      });
    }
  }

  for (const order of ["asc", "desc"] as const) {
    it(`pages pinned with endCursor (${order}) keep their ends while rows are inserted and deleted: together they are the table, once`, async () => {
      await reset(40, rng(order === "asc" ? 3 : 5));
      const page = (cursor: string | null, endCursor?: string) =>
        h.run(async (db) => db.query("items").withIndex("by_k").order(order).paginate({ numItems: 6, cursor, ...(endCursor === undefined ? {} : { endCursor }) }));
      // the pages as usePaginatedQuery leaves them: each pinned at the end its first run chose
      const ends: (string | null)[] = [];
      let cursor: string | null = null;
      for (;;) {
        const first = await page(cursor);
        ends.push(cursor);
        cursor = first.continueCursor;
        if (first.isDone) break;
      }
      const bounds = ends.map((start, i) => ({ start, end: i + 1 < ends.length ? ends[i + 1]! : cursor }));
      const random = rng(17);
      for (let round = 0; round < 5; round++) {
        await h.run(async (db) => {
          for (let i = 0; i < 4; i++) await db.insert("items", { k: Math.floor(random() * 22) - 1, g: "z" });
          const victims = (await db.query("items").collect()).filter(() => random() < 0.1);
          for (const victim of victims) await db.delete(victim._id);
        });
        const seen: Document[] = [];
        for (const [i, { start, end }] of bounds.entries()) {
          const result = await page(start, end);
          expect(result.continueCursor).toBe(end);
          expect(result.isDone).toBe(i === bounds.length - 1);
          seen.push(...result.page);
        }
        const all = (await h.run(async (db) => db.query("items").collect())).sort(keyOrder);
        expect(seen.map((doc) => doc._id)).toEqual((order === "asc" ? all : all.reverse()).map((doc) => doc._id));
      }
    });
  }

  it("a pinned page that grew past twice numItems recommends a split whose halves are the page", async () => {
    await h.database().driver.query(`TRUNCATE "items"`);
    await h.run(async (db) => {
      for (let k = 0; k < 10; k++) await db.insert("items", { k, g: "x" });
    });
    const page = (cursor: string | null, endCursor: string) => h.run(async (db) => db.query("items").withIndex("by_k").paginate({ numItems: 3, cursor, endCursor }));
    const first = await h.run(async (db) => db.query("items").withIndex("by_k").paginate({ numItems: 3, cursor: null }));
    expect(first.pageStatus).toBeUndefined();
    await h.run(async (db) => {
      for (let i = 0; i < 5; i++) await db.insert("items", { k: 1, g: "y" });
    });
    const grown = await page(null, first.continueCursor);
    expect(grown.page).toHaveLength(8);
    expect(grown.pageStatus).toBe("SplitRecommended");
    const left = await page(null, grown.splitCursor!);
    const right = await page(grown.splitCursor!, first.continueCursor);
    expect(left.page).toHaveLength(4);
    expect([...left.page, ...right.page].map((doc) => doc._id)).toEqual(grown.page.map((doc) => doc._id));
  });

  it("pages of an eq+range query and an exact continuation", async () => {
    await reset(40, rng(3));
    await h.run(async (db) => {
      const query = () => db.query("items").withIndex("by_g_k", (q) => q.eq("g", "x").gte("k", 5).lt("k", 15));
      const all = await query().collect();
      const pages: Document[] = [];
      let cursor: string | null = null;
      for (;;) {
        const result = await query().paginate({ numItems: 3, cursor });
        pages.push(...result.page);
        if (result.isDone) break;
        cursor = result.continueCursor;
      }
      expect(pages).toEqual(all);
    });
  });

  it("numItems 0 returns an empty page that continues from the same place", async () => {
    await reset(5, rng(5));
    await h.run(async (db) => {
      const first = await db.query("items").paginate({ numItems: 0, cursor: null });
      expect(first.page).toEqual([]);
      expect(first.isDone).toBe(false);
      const next = await db.query("items").paginate({ numItems: 10, cursor: first.continueCursor });
      expect(next.page).toHaveLength(5);
      expect(next.isDone).toBe(true);
    });
  });

  it("an empty table gives one done page", async () => {
    await h.database().driver.query(`TRUNCATE "items"`);
    await h.run(async (db) => {
      expect(await db.query("items").paginate({ numItems: 5, cursor: null })).toEqual({ page: [], isDone: true, continueCursor: expect.any(String) });
    });
  });

  it("rejects tampered, malformed and other-query cursors with BAD_REQUEST", async () => {
    await reset(10, rng(9));
    await h.run(async (db) => {
      const { continueCursor } = await db.query("items").withIndex("by_k").paginate({ numItems: 2, cursor: null });
      const [body, mac] = continueCursor.split(".") as [string, string];
      const payload = JSON.parse(Buffer.from(body, "base64url").toString()) as { p: unknown[] };
      payload.p[0] = "00";
      const forged = `${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${mac}`;
      await expectBadRequest(db.query("items").withIndex("by_k").paginate({ numItems: 2, cursor: forged }), /signature/);
      const flipped = continueCursor.slice(0, -2) + (continueCursor.endsWith("AA") ? "BB" : "AA");
      await expectBadRequest(db.query("items").withIndex("by_k").paginate({ numItems: 2, cursor: flipped }), /signature/);
      await expectBadRequest(db.query("items").withIndex("by_k").paginate({ numItems: 2, cursor: "garbage" }), /malformed/);
      await expectBadRequest(db.query("items").withIndex("by_k").order("desc").paginate({ numItems: 2, cursor: continueCursor }), /different query/);
      await expectBadRequest(db.query("items").withIndex("by_k", (q) => q.gt("k", 1)).paginate({ numItems: 2, cursor: continueCursor }), /different query/);
      await expectBadRequest(db.query("items").withIndex("by_k").filter((q) => q.eq(q.field("g"), "x")).paginate({ numItems: 2, cursor: continueCursor }), /different query/);
      await expectBadRequest(db.query("items").paginate({ numItems: -1, cursor: null }), /numItems/);
      await expectBadRequest(db.query("items").paginate({ numItems: 2, cursor: 5 as never }), /string or null/);
    });
  });

  it("records the range it scanned, from the cursor to the look-ahead row", async () => {
    await reset(10, rng(13));
    await h.run(async (db, log) => {
      const first = await db.query("items").paginate({ numItems: 4, cursor: null });
      const second = await db.query("items").paginate({ numItems: 4, cursor: first.continueCursor });
      const last = await db.query("items").paginate({ numItems: 4, cursor: second.continueCursor });
      expect(last.isDone).toBe(true);
      const [r1, r2, r3] = log.reads as { lower: string; upper: string | null }[];
      expect(r1!.lower).toBe("");
      expect(r2!.lower > r1!.lower && r2!.lower < r1!.upper!).toBe(true);
      expect(r3!.upper).toBeNull();
      expect(r3!.lower > r2!.lower).toBe(true);
    });
  });
});

describe("async iteration", () => {
  it("streams in batches of 100 with keyset continuation, never loading the table at once", async () => {
    await reset(250, rng(17));
    const statements: { sql: string; params: readonly unknown[] }[] = [];
    await h.run(
      async (db) => {
        const collected = await db.query("items").withIndex("by_k").order("desc").collect();
        statements.length = 0;
        const streamed = [];
        for await (const doc of db.query("items").withIndex("by_k").order("desc")) streamed.push(doc);
        expect(streamed).toEqual(collected);
      },
      { tx: (tx) => recordingQueryable(tx, statements) },
    );
    expect(statements).toHaveLength(3);
    for (const statement of statements) expect(statement.sql).toMatch(/LIMIT 100$/);
    expect(statements[1]!.sql).toContain(`("_key_k_ec3c2d98", "_creation_time", "_id") < ($1, $2, $3)`);
  });

  it("stops fetching when the loop breaks", async () => {
    await reset(250, rng(19));
    const statements: { sql: string; params: readonly unknown[] }[] = [];
    await h.run(
      async (db) => {
        let n = 0;
        for await (const doc of db.query("items")) {
          if (doc._id !== "" && ++n === 5) break;
        }
      },
      { tx: (tx) => recordingQueryable(tx, statements) },
    );
    expect(statements).toHaveLength(1);
  });
});

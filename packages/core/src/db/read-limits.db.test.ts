import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ensureStorageFor, useTestDatabase } from "../../test/helpers/test-database.js";
import type { Driver, Queryable, QueryResult, Row } from "../driver/index.js";
import { isFrameworkError, type FrameworkError } from "../errors/framework-error.js";
import { anyApi } from "../functions/any-api.js";
import { internalQueryGeneric, mutationGeneric, queryGeneric } from "../functions/function-builders.js";
import { createRegistrySync } from "../functions/registry.js";
import { createFetchHandler } from "../http/fetch-handler.js";
import { DEFAULT_CALL_LIMITS } from "../runtime/call-context.js";
import { createRuntime, type Runtime } from "../runtime/runtime.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { v } from "../values/v.js";

const schema = defineSchema({
  items: defineTable({ n: v.number(), pad: v.string() }).index("by_n", ["n"]),
  log: defineTable({ text: v.string() }),
});

const MAX_DOCUMENTS = 50;
const MAX_BYTES = 40_000;

const items = {
  collect: queryGeneric({ args: {}, handler: async (ctx) => (await ctx.db.query("items").collect()).length }),
  take: queryGeneric({ args: { n: v.number() }, handler: async (ctx, { n }) => (await ctx.db.query("items").take(n)).length }),
  iterate: queryGeneric({
    args: {},
    handler: async (ctx) => {
      let seen = 0;
      for await (const item of ctx.db.query("items")) if (item !== null) seen++;
      return seen;
    },
  }),
  page: queryGeneric({ args: { numItems: v.number() }, handler: async (ctx, { numItems }) => (await ctx.db.query("items").paginate({ numItems, cursor: null })).page.length }),
  gets: queryGeneric({
    args: { times: v.number() },
    handler: async (ctx, { times }) => {
      const first = await ctx.db.query("items").first();
      for (let i = 1; i < times; i++) await ctx.db.get(first!._id);
      return times;
    },
  }),
  count: queryGeneric({ args: {}, handler: (ctx) => ctx.db.query("items").count() }),
  range: queryGeneric({ args: { below: v.number() }, handler: async (ctx, { below }) => (await ctx.db.query("items").withIndex("by_n", (q) => q.lt("n", below)).collect()).length }),
  /** Reads `own` documents, then a nested query reads `nested` more. */
  nested: queryGeneric({
    args: { own: v.number(), nested: v.number() },
    handler: async (ctx, { own, nested }) => (await ctx.db.query("items").take(own)).length + ((await ctx.runQuery(anyApi.items!.takeInner!, { n: nested })) as number),
  }),
  takeInner: internalQueryGeneric({ args: { n: v.number() }, handler: async (ctx, { n }) => (await ctx.db.query("items").take(n)).length }),
  /** Writes, then reads past the limit. */
  writeThenCollect: mutationGeneric({
    args: {},
    handler: async (ctx) => {
      await ctx.db.insert("log", { text: "should not stay" });
      return (await ctx.db.query("items").collect()).length;
    },
  }),
  /** Writes, reads past the limit and swallows the error. */
  writeThenSwallow: mutationGeneric({
    args: {},
    handler: async (ctx) => {
      await ctx.db.insert("log", { text: "should not stay either" });
      return ctx.db
        .query("items")
        .collect()
        .then(
          (all) => all.length,
          () => -1,
        );
    },
  }),
  fill: mutationGeneric({
    args: { from: v.number(), count: v.number(), padLength: v.number() },
    handler: async (ctx, { from, count, padLength }) => {
      for (let i = 0; i < count; i++) await ctx.db.insert("items", { n: from + i, pad: "x".repeat(padLength) });
      return null;
    },
  }),
};

/** A driver that counts the document rows every statement brings back (to prove what a read pulls). */
function countingDriver(base: Driver): { driver: Driver; rowsPulled: () => number; reset: () => void } {
  let rows = 0;
  const counted = async <TRow extends Row>(result: Promise<QueryResult<TRow>>): Promise<QueryResult<TRow>> => {
    const value = await result;
    rows += value.rows.filter((row) => "_id" in row).length;
    return value;
  };
  const wrap = (tx: Queryable): Queryable => ({ query: (sql, params) => counted(tx.query(sql, params)) });
  const driver: Driver = {
    kind: base.kind,
    query: (sql, params) => counted(base.query(sql, params)),
    transaction: (options, fn) => base.transaction(options, (tx) => fn(wrap(tx))),
    listen: (channel, handler) => base.listen(channel, handler),
    notify: (channel, payload) => base.notify(channel, payload),
    close: () => base.close(),
  };
  return { driver, rowsPulled: () => rows, reset: () => (rows = 0) };
}

const db = useTestDatabase();
let runtime: Runtime;
let counting: ReturnType<typeof countingDriver>;

async function fill(count: number, padLength = 10): Promise<void> {
  await db().driver.query(`DELETE FROM "items"`);
  for (let from = 0; from < count; from += 200) await runtime.run("mutation", "items:fill", { from, count: Math.min(200, count - from), padLength });
}

async function limitError(run: Promise<unknown>): Promise<FrameworkError> {
  const error = await run.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!isFrameworkError(error)) throw new Error(`expected a FrameworkError, got ${String(error)}`);
  expect(error.code).toBe("LIMIT_EXCEEDED");
  return error;
}

beforeAll(async () => {
  counting = countingDriver(db().driver);
  runtime = await createRuntime({
    driver: counting.driver,
    schema,
    registry: createRegistrySync({ items }),
    ensureStorage: ensureStorageFor(db().driver),
    limits: { maxDocumentsRead: MAX_DOCUMENTS, maxBytesRead: MAX_BYTES },
  });
});

beforeEach(async () => {
  await db().driver.query(`DELETE FROM "log"`);
});

describe("documents read per call", () => {
  it("defaults to Convex's 32 000 documents and 16 MiB", () => {
    expect(DEFAULT_CALL_LIMITS.maxDocumentsRead).toBe(32_000);
    expect(DEFAULT_CALL_LIMITS.maxBytesRead).toBe(16_777_216);
  });

  it("lets a call read exactly the limit", async () => {
    await fill(MAX_DOCUMENTS);
    expect((await runtime.run("query", "items:collect", {})).value).toBe(MAX_DOCUMENTS);
  });

  it("fails collect(), take(n), iteration, paginate and repeated gets past it, naming the limit", async () => {
    await fill(120);
    const collect = await limitError(runtime.run("query", "items:collect", {}));
    expect(collect.message).toBe(`query "items:collect" read more than ${MAX_DOCUMENTS} documents (limits.maxDocumentsRead); use an index range, take(n) or paginate, or raise the limit`);
    expect(collect.data).toEqual({ limit: "maxDocumentsRead", value: MAX_DOCUMENTS });
    await limitError(runtime.run("query", "items:take", { n: 100 }));
    await limitError(runtime.run("query", "items:iterate", {}));
    await limitError(runtime.run("query", "items:page", { numItems: 80 }));
    await limitError(runtime.run("query", "items:gets", { times: MAX_DOCUMENTS + 1 }));
    expect((await runtime.run("query", "items:gets", { times: MAX_DOCUMENTS })).value).toBe(MAX_DOCUMENTS);
    // an index range under the limit is fine; count() reads no documents
    expect((await runtime.run("query", "items:range", { below: 30 })).value).toBe(30);
    expect((await runtime.run("query", "items:count", {})).value).toBe(120);
  });

  it("pulls no more than one row past the limit from the database", async () => {
    await fill(600);
    counting.reset();
    await limitError(runtime.run("query", "items:collect", {}));
    expect(counting.rowsPulled()).toBeLessThanOrEqual(MAX_DOCUMENTS + 1);
    counting.reset();
    await limitError(runtime.run("query", "items:take", { n: 500 }));
    expect(counting.rowsPulled()).toBeLessThanOrEqual(MAX_DOCUMENTS + 1);
  });

  it("is shared by nested calls", async () => {
    await fill(60);
    expect((await runtime.run("query", "items:nested", { own: 25, nested: 25 })).value).toBe(50);
    const error = await limitError(runtime.run("query", "items:nested", { own: 30, nested: 30 }));
    expect(error.message).toContain("limits.maxDocumentsRead");
  });

  it("rolls back a mutation that goes past it, even when the handler catches the error: nothing is written", async () => {
    await fill(60);
    await limitError(runtime.run("mutation", "items:writeThenCollect", {}));
    // catching the error does not save the call
    await limitError(runtime.run("mutation", "items:writeThenSwallow", {}));
    const { rows } = await db().driver.query<{ n: string }>(`SELECT count(*)::text AS n FROM "log"`);
    expect(rows[0]!.n).toBe("0");
  });
});

describe("bytes read per call", () => {
  it("fails a read past maxBytesRead, naming it, and streams large documents in batches", async () => {
    await fill(40, 4000);
    const error = await limitError(runtime.run("query", "items:collect", {}));
    expect(error.message).toBe(`query "items:collect" read more than ${MAX_BYTES} bytes of documents (limits.maxBytesRead); use an index range, take(n) or paginate, or raise the limit`);
    expect(error.data).toEqual({ limit: "maxBytesRead", value: MAX_BYTES });
    // once the row size is known, a large read asks for about as many rows as fit in the bytes left
    counting.reset();
    await limitError(runtime.run("query", "items:collect", {}));
    expect(counting.rowsPulled()).toBeLessThanOrEqual(Math.ceil(MAX_BYTES / 4000) + 2);
    expect((await runtime.run("query", "items:take", { n: 5 })).value).toBe(5);
  });
});

describe("over HTTP", () => {
  it("answers 400 LIMIT_EXCEEDED with its message outside development mode", async () => {
    await fill(60);
    const handler = createFetchHandler({ runtime, dev: false });
    const response = await handler(new Request("http://localhost/api/query/items:collect", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ args: {} }) }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string; data: unknown } };
    expect(body.error.code).toBe("LIMIT_EXCEEDED");
    expect(body.error.message).toContain(`read more than ${MAX_DOCUMENTS} documents (limits.maxDocumentsRead)`);
    expect(body.error.data).toEqual({ limit: "maxDocumentsRead", value: MAX_DOCUMENTS });
  });
});

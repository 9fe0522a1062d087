import { describe, expect, it } from "vitest";
import { ensureStorageFor, testDriverKind, useTestDatabase } from "../../test/helpers/test-database.js";
import { convoyTest } from "../test/convoy-test.js";
import { overlapsAny } from "../reactivity/overlap.js";
import { writeSetOf } from "../reactivity/write-set.js";
import { mutationGeneric, queryGeneric } from "../functions/function-builders.js";
import { createRegistrySync } from "../functions/registry.js";
import { defineSchema, defineTable, schemalessSchema } from "../schema/index.js";
import { v } from "../values/v.js";
import { createRuntime, type Runtime } from "./runtime.js";

/* An app without schema.ts (as Convex runs one): tables appear on their first insert, schemaless. */

const registryModule = {
    add: mutationGeneric({ args: { table: v.string(), doc: v.any() }, handler: (ctx, { table, doc }) => ctx.db.insert(table, doc as Record<string, never>) }),
    // the handler swallows whatever insert throws: the table is still created and the insert made
    addQuietly: mutationGeneric({
      args: { doc: v.any() },
      handler: async (ctx, { doc }) => {
        try {
          return await ctx.db.insert("quiet", doc as Record<string, never>);
        } catch {
          return null;
        }
      },
    }),
    list: queryGeneric({ args: { table: v.string() }, handler: (ctx, { table }) => ctx.db.query(table).collect() }),
    newest: queryGeneric({ args: { table: v.string() }, handler: (ctx, { table }) => ctx.db.query(table).withIndex("by_creation_time").order("desc").first() }),
    get: queryGeneric({ args: { id: v.string() }, handler: (ctx, { id }) => ctx.db.get(id as never) }),
    countThenAdd: mutationGeneric({
      args: { table: v.string() },
      handler: async (ctx, { table }) => {
        const before = (await ctx.db.query(table).collect()).length;
        await ctx.db.insert(table, { n: before });
        return before;
      },
    }),
};
const registry = createRegistrySync({ notes: registryModule });

async function schemalessRuntime(driver: Parameters<typeof createRuntime>[0]["driver"]): Promise<Runtime> {
  return createRuntime({ driver, schema: schemalessSchema(), registry, ensureStorage: ensureStorageFor(driver) });
}

describe("an app without a schema", () => {
  const db = useTestDatabase();

  it("creates a table on its first insert and takes any document shape, with _id, _creationTime, by_id and by_creation_time", async () => {
    const runtime = await schemalessRuntime(db().driver);
    expect((await runtime.run("query", "notes:list", { table: "things" })).value).toEqual([]);
    const a = (await runtime.run("mutation", "notes:add", { table: "things", doc: { title: "a", n: 1n, tags: ["x", { deep: null }] } })).value as string;
    const b = (await runtime.run("mutation", "notes:add", { table: "things", doc: { other: true, bytes: new Uint8Array([1, 2]).buffer } })).value as string;
    const list = (await runtime.run("query", "notes:list", { table: "things" })).value as Record<string, unknown>[];
    expect(list.map((doc) => doc._id)).toEqual([a, b]);
    expect(list[0]).toMatchObject({ title: "a", n: 1n, tags: ["x", { deep: null }] });
    expect(typeof list[0]!._creationTime).toBe("number");
    expect(((await runtime.run("query", "notes:newest", { table: "things" })).value as { _id: string })._id).toBe(b);
    expect(((await runtime.run("query", "notes:get", { id: a })).value as { title: string }).title).toBe("a");
    const { rows } = await db().driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'things'`);
    expect(rows[0]!.n).toBe(2); // the primary key (by_id) and by_creation_time
  });

  it("reads a table that does not exist yet as empty, and creates nothing for a read", async () => {
    const runtime = await schemalessRuntime(db().driver);
    expect((await runtime.run("query", "notes:list", { table: "never" })).value).toEqual([]);
    expect((await runtime.run("query", "notes:newest", { table: "never" })).value).toBeNull();
    const { rows } = await db().driver.query<{ present: boolean }>("SELECT to_regclass('public.never') IS NOT NULL AS present");
    expect(rows[0]!.present).toBe(false);
    // a mutation that reads the absent table then inserts into it sees it empty, once
    expect((await runtime.run("mutation", "notes:countThenAdd", { table: "counted" })).value).toBe(0);
    expect((await runtime.run("mutation", "notes:countThenAdd", { table: "counted" })).value).toBe(1);
  });

  it("a live query of a table that does not exist yet is invalidated by its first insert", async () => {
    const runtime = await schemalessRuntime(db().driver);
    const read = await runtime.run("query", "notes:list", { table: "watched" });
    expect(read.value).toEqual([]);
    expect(read.log.tablesRead()).toEqual(new Set(["watched"]));
    const write = await runtime.run("mutation", "notes:add", { table: "watched", doc: { first: true } });
    expect(overlapsAny(writeSetOf(write.log.writes), read.log.reads)).toBe(true);
    const elsewhere = await runtime.run("mutation", "notes:add", { table: "unwatched", doc: {} });
    expect(overlapsAny(writeSetOf(elsewhere.log.writes), read.log.reads)).toBe(false);
  });

  it("creates the table even when the handler swallows the insert's first failure", async () => {
    const runtime = await schemalessRuntime(db().driver);
    const id = (await runtime.run("mutation", "notes:addQuietly", { doc: { x: 1 } })).value;
    expect(typeof id).toBe("string");
    expect(((await runtime.run("query", "notes:list", { table: "quiet" })).value as unknown[]).length).toBe(1);
  });

  it("two concurrent first inserts into a new table, from two servers, both succeed", async () => {
    const [one, two] = await Promise.all([schemalessRuntime(db().driver), schemalessRuntime(db().driver)]);
    const ids = await Promise.all([
      one.run("mutation", "notes:add", { table: "race", doc: { from: "one" } }),
      two.run("mutation", "notes:add", { table: "race", doc: { from: "two" } }),
      one.run("mutation", "notes:add", { table: "race", doc: { from: "one again" } }),
    ]);
    expect(new Set(ids.map((r) => r.value)).size).toBe(3);
    const seen = (await two.run("query", "notes:list", { table: "race" })).value as { from: string }[];
    expect(seen.map((doc) => doc.from).sort()).toEqual(["one", "one again", "two"]);
  });

  it("a server finds a table another server created after it started, by name and by id", async () => {
    const early = await schemalessRuntime(db().driver);
    const late = await schemalessRuntime(db().driver);
    const id = (await late.run("mutation", "notes:add", { table: "later", doc: { k: "v" } })).value as string;
    expect(((await early.run("query", "notes:get", { id })).value as { k: string }).k).toBe("v");
    const other = await schemalessRuntime(db().driver);
    const id2 = (await late.run("mutation", "notes:add", { table: "later2", doc: { k: 2 } })).value as string;
    expect((await other.run("query", "notes:list", { table: "later2" })).value).toMatchObject([{ _id: id2, k: 2 }]);
  });

  it("refuses a table name that cannot be a table, and leaves a strict schema strict", async () => {
    const runtime = await schemalessRuntime(db().driver);
    await expect(runtime.run("mutation", "notes:add", { table: "bad name", doc: {} })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(runtime.run("mutation", "notes:add", { table: "_system", doc: {} })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const strict = await createRuntime({ driver: db().driver, schema: defineSchema({ kept: defineTable({ a: v.number() }) }), registry, ensureStorage: ensureStorageFor(db().driver) });
    await expect(strict.run("mutation", "notes:add", { table: "elsewhere", doc: {} })).rejects.toThrow(/does not exist in the schema/);
  });
});

describe("convoyTest without a schema", () => {
  it("runs an app's functions on tables created by their first insert", async () => {
    const options = testDriverKind() === "pg" ? { databaseUrl: process.env.DATABASE_URL_TEST ?? "postgres://postgres@127.0.0.1:5432/postgres" } : {};
    const t = convoyTest(undefined, { "./notes.ts": registryModule }, options);
    try {
      expect(await t.query("notes:list", { table: "todo" })).toEqual([]);
      const id = await t.mutation("notes:add", { table: "todo", doc: { text: "write docs", done: false } });
      expect(await t.query("notes:list", { table: "todo" })).toEqual([{ _id: id, _creationTime: expect.any(Number) as number, text: "write docs", done: false }]);
      expect(await t.run((ctx) => ctx.db.query("todo").first())).toMatchObject({ text: "write docs" });
    } finally {
      await t.close();
    }
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDriverKind } from "../../test/helpers/test-database.js";
import { initProject } from "../cli/lib/init-project.js";
import { isFrameworkError } from "../errors/framework-error.js";
import { mutationGeneric, queryGeneric, type MutationBuilder, type QueryBuilder } from "../functions/index.js";
import { defineSchema, defineTable, type DataModelFromSchemaDefinition } from "../schema/index.js";
import { newId } from "../storage/ids.js";
import { convoyTest, type ConvoyTestOptions } from "../test/index.js";
import { isConvoyError } from "../values/convoy-error.js";
import { v } from "../values/v.js";

const serverUrl = process.env.DATABASE_URL_TEST ?? "postgres://postgres@127.0.0.1:5432/postgres";
const options: ConvoyTestOptions = testDriverKind() === "pg" ? { databaseUrl: serverUrl } : {};

const schema = defineSchema({
  users: defineTable({ name: v.string() }),
  items: defineTable({ n: v.number(), tag: v.string() }).index("by_n", ["n"]).index("by_tag_n", ["tag", "n"]),
});

type DataModel = DataModelFromSchemaDefinition<typeof schema>;
const query = queryGeneric as unknown as QueryBuilder<DataModel, "public">;
const mutation = mutationGeneric as unknown as MutationBuilder<DataModel, "public">;

const parity = {
  getUser: query({ args: { id: v.id("users") }, handler: (ctx, { id }) => ctx.db.get(id) }),
  seed: mutation({
    args: { count: v.number() },
    handler: async (ctx, { count }) => {
      for (let n = 0; n < count; n++) await ctx.db.insert("items", { n, tag: n % 2 === 0 ? "even" : "odd" });
      return null;
    },
  }),
  range: query({
    args: { order: v.union(v.literal("lower-first"), v.literal("upper-first")), tag: v.optional(v.string()) },
    handler: async (ctx, { order, tag }) => {
      const docs =
        tag === undefined
          ? await ctx.db
              .query("items")
              .withIndex("by_n", (q) => (order === "lower-first" ? q.gt("n", 2).lt("n", 9) : q.lt("n", 9).gt("n", 2)))
              .collect()
          : await ctx.db
              .query("items")
              .withIndex("by_tag_n", (q) => (order === "lower-first" ? q.eq("tag", tag).gte("n", 2).lte("n", 9) : q.eq("tag", tag).lte("n", 9).gte("n", 2)))
              .collect();
      return docs.map((doc) => doc.n);
    },
  }),
  latest: query({
    args: { page: v.object({ limit: v.number() }) },
    handler: async (ctx, { page }) => (await ctx.db.query("items").take(page.limit)).length,
  }),
  fixedTake: query({ args: { limit: v.number() }, handler: async (ctx) => (await ctx.db.query("items").take(-3)).length }),
};

// One harness (one database) for the file: each fresh database costs seconds.
const t = convoyTest(schema, { "./_generated/api.ts": {}, "./parity.ts": parity }, options);
beforeAll(async () => {
  await t.mutation("parity:seed", { count: 12 });
});
afterAll(async () => {
  await t.close();
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("Convex parity: v.id(table) in args", () => {
  it("accepts an id of the table", async () => {
    const id = await t.run((ctx) => ctx.db.insert("users", { name: "ada" }));
    expect(await t.query("parity:getUser", { id })).toMatchObject({ name: "ada" });
  });

  it("rejects an id of another table as ARGS_INVALID with the path", async () => {
    const error = await failure(t.query("parity:getUser", { id: newId("items") }));
    expect(isFrameworkError(error, "ARGS_INVALID")).toBe(true);
    expect(error).toMatchObject({ path: "id", message: 'args.id: expected Id<"users">, got an id of another table' });
  });

  it("rejects a string that is not an id as ARGS_INVALID with the path", async () => {
    const error = await failure(t.query("parity:getUser", { id: "not an id" }));
    expect(isFrameworkError(error, "ARGS_INVALID")).toBe(true);
    expect(error).toMatchObject({ path: "id", message: expect.stringContaining("not a document id") });
  });
});

describe("Convex parity: withIndex bounds in either order", () => {
  it("q.lt(...).gt(...) is the same range as q.gt(...).lt(...)", async () => {
    const lowerFirst = await t.query("parity:range", { order: "lower-first" });
    expect(lowerFirst).toEqual([3, 4, 5, 6, 7, 8]);
    expect(await t.query("parity:range", { order: "upper-first" })).toEqual(lowerFirst);
    const withEq = await t.query("parity:range", { order: "lower-first", tag: "even" });
    expect(withEq).toEqual([2, 4, 6, 8]);
    expect(await t.query("parity:range", { order: "upper-first", tag: "even" })).toEqual(withEq);
  });
});

describe("Convex parity: invalid take(n) from the client is the client's mistake", () => {
  it.each([[-1], [1.5]])("take(%d) with n from args is ARGS_INVALID naming the path", async (limit) => {
    const error = await failure(t.query("parity:latest", { page: { limit } }));
    expect(isFrameworkError(error, "ARGS_INVALID")).toBe(true);
    expect(error).toMatchObject({ path: "page.limit", message: expect.stringMatching(/^args\.page\.limit: take\(n\): n must be a non-negative integer/) });
  });

  it("a bad n the code made up itself stays the developer's INTERNAL error", async () => {
    const error = await failure(t.query("parity:fixedTake", { limit: 3 }));
    expect(isFrameworkError(error, "INTERNAL")).toBe(true);
  });

  it("a valid n from args works", async () => {
    expect(await t.query("parity:latest", { page: { limit: 3 } })).toBe(3);
  });
});

describe("the convoy init template", () => {
  const dir = mkdtempSync(join(tmpdir(), "convoy-init-template-"));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("validates the limit of messages:list", async () => {
    await initProject(dir);
    const app = convoyTest(undefined, undefined, { ...options, functionsDir: join(dir, "convoy") });
    try {
      await app.mutation("messages:send", { author: "ada", body: "hi" });
      expect(await app.query("messages:list", { limit: 1 })).toHaveLength(1);
      expect(await app.query("messages:list", {})).toHaveLength(1);
      for (const limit of [-1, 1.5, 0, 1000]) {
        const error = await failure(app.query("messages:list", { limit }));
        expect(isConvoyError(error), String(limit)).toBe(true);
        expect(error).toMatchObject({ data: { reason: "limit must be a whole number from 1 to 100" } });
      }
    } finally {
      await app.close();
    }
  });
});

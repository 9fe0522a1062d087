import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { ConvexError, v as convexV } from "convex/values";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleAndLoadApp, type LoadedApp } from "../../src/cli/lib/bundle-app.js";
import { runCodegen } from "../../src/codegen/index.js";
import { queryGeneric } from "../../src/functions/function-builders.js";
import { createRegistrySync } from "../../src/functions/registry.js";
import { createRuntime, type Runtime } from "../../src/runtime/index.js";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import { isConvoyError } from "../../src/values/convoy-error.js";
import type { GenericValidator, PropertyValidators } from "../../src/values/validators.js";
import { startTestServer } from "../../src/http/fixtures/test-server.js";
import { ensureStorageFor, useTestDatabase } from "../helpers/test-database.js";

/* A fixture app written exactly as a Convex app: imports from convex/server and convex/values, ConvexError, Convex's generated server.js. */

const SCHEMA = `import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export default defineSchema({
  messages: defineTable({ author: v.string(), body: v.string(), likes: v.optional(v.int64()) }).index("by_author", ["author"]),
});
`;

const MESSAGES = `import { ConvexError, v } from "convex/values";
import { api } from "./_generated/api";
import { action, mutation, query } from "./_generated/server";

export const send = mutation({
  args: { author: v.string(), body: v.string() },
  handler: async (ctx, { author, body }) => {
    if (body.trim() === "") throw new ConvexError({ code: "EMPTY", author });
    return await ctx.db.insert("messages", { author, body, likes: 0n });
  },
});

export const byAuthor = query({
  args: { author: v.string() },
  returns: v.array(v.object({ body: v.string(), likes: v.optional(v.int64()) })),
  handler: async (ctx, { author }) => {
    const rows = await ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", author)).collect();
    return rows.map(({ body, likes }) => ({ body, likes }));
  },
});

export const summarize = action({
  args: { author: v.string() },
  handler: async (ctx, { author }) => \`\${author} wrote \${(await ctx.runQuery(api.messages.byAuthor, { author })).length}\`,
});
`;

/** What \`npx convex dev\` generates as convex/_generated/server.js (the imports and builders that matter). */
const CONVEX_GENERATED_SERVER = `import {
  actionGeneric,
  httpActionGeneric,
  queryGeneric,
  mutationGeneric,
  internalActionGeneric,
  internalMutationGeneric,
  internalQueryGeneric,
} from "convex/server";

export const query = queryGeneric;
export const internalQuery = internalQueryGeneric;
export const mutation = mutationGeneric;
export const internalMutation = internalMutationGeneric;
export const action = actionGeneric;
export const internalAction = internalActionGeneric;
export const httpAction = httpActionGeneric;
`;

/** The same app without schema.ts, as many Convex apps are: its tables appear on first insert. */
const SCHEMALESS_MESSAGES = `import { ConvexError, v } from "convex/values";
import { mutation, query } from "./_generated/server";

export const send = mutation({
  args: { channel: v.string(), body: v.string(), meta: v.optional(v.any()) },
  handler: async (ctx, { channel, body, meta }) => {
    if (body === "") throw new ConvexError({ code: "EMPTY" });
    const channelId = (await ctx.db.query("channels").filter((q) => q.eq(q.field("name"), channel)).first())?._id ?? (await ctx.db.insert("channels", { name: channel }));
    return await ctx.db.insert("posts", { channelId, body, ...(meta === undefined ? {} : { meta }) });
  },
});

export const list = query({
  args: { table: v.optional(v.string()) },
  handler: (ctx, { table }) => ctx.db.query(table ?? "posts").withIndex("by_creation_time").order("desc").collect(),
});

export const get = query({ args: { id: v.string() }, handler: (ctx, { id }) => ctx.db.get(id) });
`;

const db = useTestDatabase();
let dir = "";
let app: LoadedApp;
let runtime: Runtime;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "convoy-convex-app-"));
  const functions = join(dir, "convoy");
  await mkdir(functions);
  await writeFile(join(functions, "schema.ts"), SCHEMA);
  await writeFile(join(functions, "messages.ts"), MESSAGES);
  await runCodegen(functions);
  await writeFile(join(functions, "_generated", "server.js"), CONVEX_GENERATED_SERVER);
  app = await bundleAndLoadApp(dir, functions, join(dir, ".convoy", "build"));
  runtime = await createRuntime({ driver: db().driver, schema: app.schema, registry: app.registry, ensureStorage: ensureStorageFor(db().driver) });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("a Convex app on Convoy", () => {
  it("loads unchanged: convex/server, convex/values and Convex's _generated/server resolve to Convoy", () => {
    expect(app.registry.entries().map((entry) => `${entry.name} ${entry.kind}`)).toEqual(["messages:byAuthor query", "messages:send mutation", "messages:summarize action"]);
    expect(app.schema.json.tables.messages).toBeDefined();
  });

  it("runs its functions: validators, index queries, int64 and ConvexError data", async () => {
    await runtime.run("mutation", "messages:send", { author: "ada", body: "hi" });
    await runtime.run("mutation", "messages:send", { author: "bob", body: "yo" });
    expect((await runtime.run("query", "messages:byAuthor", { author: "ada" })).value).toEqual([{ body: "hi", likes: 0n }]);
    const refused = await runtime.run("mutation", "messages:send", { author: "ada", body: " " }).catch((error: unknown) => error);
    expect(isConvoyError(refused) && refused.data).toEqual({ code: "EMPTY", author: "ada" });
    await expect(runtime.run("mutation", "messages:send", { author: "ada" })).rejects.toMatchObject({ code: "ARGS_INVALID" });
    expect((await runtime.run("action", "messages:summarize", { author: "ada" })).value).toBe("ada wrote 1");
  });

  it("accepts validators built by the convex package itself, by their JSON description", async () => {
    // Convex's validator classes are not Convoy's types: accepted at run time (a Convex app type-checks against convex's own types)
    const table = defineTable({ n: convexV.int64(), tag: convexV.optional(convexV.union(convexV.literal("a"), convexV.literal("b"))) } as unknown as PropertyValidators);
    expect(table.json).toEqual(defineSchema({ t: table }).json.tables.t);
    expect(JSON.stringify(table.json)).toContain('"bigint"');
    const registry = createRegistrySync({
      calc: {
        double: queryGeneric({
          args: { n: convexV.int64(), note: convexV.optional(convexV.string()) } as unknown as PropertyValidators,
          returns: convexV.int64() as unknown as GenericValidator,
          handler: (_ctx, { n }) => (n as bigint) * 2n,
        }),
      },
    });
    const local = await createRuntime({ driver: db().driver, schema: defineSchema({}), registry, ensureStorage: ensureStorageFor(db().driver) });
    expect((await local.run("query", "calc:double", { n: 21n })).value).toBe(42n);
    await expect(local.run("query", "calc:double", { n: 1.5 })).rejects.toMatchObject({ code: "ARGS_INVALID" });
    await expect(local.run("query", "calc:double", { n: 1n, note: 5 })).rejects.toMatchObject({ code: "ARGS_INVALID", path: "note" });
  });
});

describe("a Convex app without schema.ts on Convoy", () => {
  it("runs with no edits through ConvexHttpClient: tables created on first insert, any shape, empty before", async () => {
    const project = await mkdtemp(join(tmpdir(), "convoy-convex-schemaless-"));
    try {
      const functions = join(project, "convex");
      await mkdir(functions);
      await writeFile(join(functions, "messages.ts"), SCHEMALESS_MESSAGES);
      // a file Convoy cannot run (Convex components): reported, and the rest is served
      await writeFile(join(functions, "workflows.ts"), `import { componentsGeneric } from "convex/server";\nexport const components = componentsGeneric();\n`);
      await runCodegen(functions);
      await writeFile(join(functions, "_generated", "server.js"), CONVEX_GENERATED_SERVER);
      const loaded = await bundleAndLoadApp(project, functions, join(project, ".convoy", "build"));
      expect(loaded.schema.strictTableNameTypes).toBe(false);
      expect(loaded.skipped).toEqual([{ file: "workflows.ts", reason: 'line 1: "componentsGeneric" from convex/server is not supported by Convoy' }]);
      expect(loaded.registry.entries().map((entry) => entry.name)).toEqual(["messages:get", "messages:list", "messages:send"]);
      const local = await createRuntime({ driver: db().driver, schema: loaded.schema, registry: loaded.registry, ensureStorage: ensureStorageFor(db().driver) });
      const server = await startTestServer(db().driver, {}, local);
      try {
        const client = new ConvexHttpClient(server.url, { skipConvexDeploymentUrlCheck: true, logger: false });
        const api = {
          messages: {
            list: makeFunctionReference<"query", { table?: string }>("messages:list"),
            get: makeFunctionReference<"query", { id: string }>("messages:get"),
            send: makeFunctionReference<"mutation", { channel: string; body: string; meta?: unknown }, string>("messages:send"),
          },
        };
        expect(await client.query(api.messages.list, {})).toEqual([]);
        expect(await client.query(api.messages.list, { table: "nothingYet" })).toEqual([]);
        const first = await client.mutation(api.messages.send, { channel: "general", body: "hi", meta: { n: 1n, tags: ["a"] } });
        const second = await client.mutation(api.messages.send, { channel: "general", body: "again" });
        const messages = (await client.query(api.messages.list, {})) as { _id: string; channelId: string; body: string; meta?: unknown }[];
        expect(messages.map((m) => m._id)).toEqual([second, first]);
        expect(messages[1]!.meta).toEqual({ n: 1n, tags: ["a"] });
        expect(messages[0]!.channelId).toBe(messages[1]!.channelId);
        expect(await client.query(api.messages.get, { id: messages[0]!.channelId })).toMatchObject({ name: "general" });
        const refused = await client.mutation(api.messages.send, { channel: "general", body: "" }).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(ConvexError);
        expect((refused as ConvexError<{ code: string }>).data).toEqual({ code: "EMPTY" });
      } finally {
        await server.close();
      }
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});

/*
 * A server for the read-limit flood test, run as a child process with a small heap:
 * `read-limit-server.ts <documents> <documentBytes> <maxBytesRead> <maxDocumentsRead>`, on
 * `DATABASE_URL` when set, else on an in-memory PGlite. It seeds `documents` large documents and
 * `maxDocumentsRead + 500` small ones, then prints `listening on <port>`.
 */
import type { AddressInfo } from "node:net";
import { createDriver } from "../../src/driver/index.js";
import { mutationGeneric, queryGeneric } from "../../src/functions/function-builders.js";
import { createRegistrySync } from "../../src/functions/registry.js";
import { createServer } from "../../src/http/index.js";
import { createRuntime } from "../../src/runtime/index.js";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import { v } from "../../src/values/v.js";

const [documents, documentBytes, maxBytesRead, maxDocumentsRead] = process.argv.slice(2).map(Number) as [number, number, number, number];
const databaseUrl = process.env.DATABASE_URL;

const schema = defineSchema({ big: defineTable({ i: v.number(), blob: v.string() }), small: defineTable({ i: v.number() }) });
const registry = createRegistrySync({
  big: {
    all: queryGeneric({ args: {}, handler: async (ctx) => (await ctx.db.query("big").collect()).length }),
    count: queryGeneric({ args: {}, handler: (ctx) => ctx.db.query("big").count() }),
    seed: mutationGeneric({
      args: { from: v.number(), count: v.number(), bytes: v.number() },
      handler: async (ctx, { from, count, bytes }) => {
        for (let i = from; i < from + count; i++) await ctx.db.insert("big", { i, blob: String(i % 10).repeat(bytes) });
        return null;
      },
    }),
  },
  small: {
    all: queryGeneric({ args: {}, handler: async (ctx) => (await ctx.db.query("small").collect()).length }),
    seed: mutationGeneric({
      args: { from: v.number(), count: v.number() },
      handler: async (ctx, { from, count }) => {
        for (let i = from; i < from + count; i++) await ctx.db.insert("small", { i });
        return null;
      },
    }),
  },
});

const driver = await createDriver(databaseUrl === undefined ? {} : { databaseUrl });
const runtime = await createRuntime({ driver, schema, registry, ensureStorage: databaseUrl === undefined ? true : { databaseUrl }, limits: { maxBytesRead, maxDocumentsRead } });
for (let from = 0; from < documents; from += 20) await runtime.run("mutation", "big:seed", { from, count: Math.min(20, documents - from), bytes: documentBytes });
const smallCount = maxDocumentsRead + 500;
for (let from = 0; from < smallCount; from += 500) await runtime.run("mutation", "small:seed", { from, count: Math.min(500, smallCount - from) });

const server = createServer({ runtime });
server.listen(0, "127.0.0.1", () => {
  console.log(`listening on ${(server.address() as AddressInfo).port}`);
});

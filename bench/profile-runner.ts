/**
 * Profiling harness (not part of `npm run bench`): one runner operation in a loop on the bench
 * data, for `node --import tsx bench/profile-runner.ts <byAuthor|page|send|increment> [ops]`. With
 * `PROF=<file.cpuprofile>` the calls (not the seeding) are profiled into that file;
 * `ENGINE=pglite` runs them on an in-memory PGlite (10,000 messages) instead of PostgreSQL.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import pg from "pg";
import { createPgDriver, createPgliteDriver, type Driver } from "../packages/core/src/driver/index.js";
import { createRegistrySync, mutationGeneric, queryGeneric } from "../packages/core/src/functions/index.js";
import { createRuntime } from "../packages/core/src/runtime/index.js";
import { defineSchema, defineTable } from "../packages/core/src/schema/index.js";
import { v } from "../packages/core/src/values/index.js";
import { paginationOptsValidator } from "../packages/core/src/db/index.js";
import { newCreationTime, newId } from "../packages/core/src/storage/ids.js";
import { createBenchDatabase, seedMessages } from "./lib/bench-database.js";
import { measure } from "./lib/stats.js";

const [kind = "byAuthor", opsText = "20000"] = process.argv.slice(2);
const schema = defineSchema({
  messages: defineTable({ author: v.string(), body: v.string(), likes: v.number() }).index("by_author", ["author"]),
  counters: defineTable({ name: v.string(), value: v.number() }).index("by_name", ["name"]),
});
const registry = createRegistrySync({
  bench: {
    byAuthor: queryGeneric({ args: { author: v.string() }, handler: (ctx, { author }) => ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", author)).order("desc").take(10) }),
    page: queryGeneric({ args: { paginationOpts: paginationOptsValidator }, handler: (ctx, { paginationOpts }) => ctx.db.query("messages").order("desc").paginate(paginationOpts) }),
    send: mutationGeneric({ args: { author: v.string(), body: v.string() }, handler: (ctx, args) => ctx.db.insert("messages", { ...args, likes: 0 }) }),
    increment: mutationGeneric({
      args: { name: v.string() },
      handler: async (ctx, { name }) => {
        const counter = (await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", name)).unique()) as { _id: string; value: number };
        await ctx.db.patch(counter._id as never, { value: counter.value + 1 });
      },
    }),
  },
});
const embedded = process.env.ENGINE === "pglite";
const db = embedded ? undefined : await createBenchDatabase();
const driver: Driver = db === undefined ? await createPgliteDriver() : await createPgDriver({ connectionString: db.url, max: 10 });
try {
  // `origin`, as `convoy start` sets it: without it, each mutation fires the external-write
  // triggers and their `NOTIFY`, whose commit lock serializes commits
  const runtime = await createRuntime({ driver, schema, ensureStorage: db === undefined ? true : { databaseUrl: db.url }, registry, origin: "bench" });
  const client = db === undefined ? undefined : new pg.Client({ connectionString: db.url });
  await client?.connect();
  const seed: { query(sql: string, params?: unknown[]): Promise<unknown> } = client ?? driver;
  await seedMessages(seed, embedded ? 10_000 : 100_000, 1000);
  for (let i = 0; i < 100; i++) await seed.query(`INSERT INTO counters (_id, _creation_time, data) VALUES ($1, $2, $3::jsonb)`, [newId("counters"), newCreationTime(), JSON.stringify({ name: `c${i}`, value: 0 })]);
  const op = (i: number) =>
    kind === "byAuthor"
      ? runtime.run("query", "bench:byAuthor", { author: `author${i % 1000}` })
      : kind === "page"
        ? runtime.run("query", "bench:page", { paginationOpts: { numItems: 20, cursor: null } })
        : kind === "send"
          ? runtime.run("mutation", "bench:send", { author: `author${i % 1000}`, body: "hi" })
          : runtime.run("mutation", "bench:increment", { name: `c${(i * 31) % 100}` });
  const profiler = process.env.PROF === undefined ? undefined : new Session();
  if (profiler !== undefined) {
    profiler.connect();
    await profiler.post("Profiler.enable");
    await profiler.post("Profiler.start");
  }
  const before = process.cpuUsage();
  const result = await measure(kind, Number(opsText), 10, op);
  const cpu = process.cpuUsage(before);
  if (profiler !== undefined) writeFileSync(process.env.PROF!, JSON.stringify((await profiler.post("Profiler.stop")).profile));
  console.log(kind, result.opsPerSecond.toFixed(0), "ops/s", ((cpu.user + cpu.system) / Number(opsText)).toFixed(0), "µs/op");
  if (kind === "increment" && client !== undefined) console.log((await client.query(`SELECT n_tup_upd, n_tup_hot_upd, pg_size_pretty(pg_total_relation_size('counters')) AS total, pg_size_pretty(pg_relation_size('counters__by_name')) AS by_name FROM pg_stat_user_tables WHERE relname = 'counters'`)).rows);
  await client?.end();
} finally {
  await driver.close();
  await db?.drop();
}

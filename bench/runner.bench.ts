/**
 * Issue 4 benchmark: functions through Convoy's runner (in-process, no HTTP) vs the same SQL
 * through raw `pg`, same run, real server, 100k documents:
 * an indexed lookup (`withIndex` eq + `take(20)`), a `paginate` page, a single-document insert
 * mutation, and a contended `patch` increment (4 counters).
 */
import type pg from "pg";
import { createRegistrySync, mutationGeneric, queryGeneric } from "../packages/core/src/functions/index.js";
import { createRuntime } from "../packages/core/src/runtime/index.js";
import { defineSchema, defineTable } from "../packages/core/src/schema/index.js";
import { sortKey } from "../packages/core/src/storage/sort-key.js";
import { newCreationTime, newId } from "../packages/core/src/storage/ids.js";
import { v } from "../packages/core/src/values/index.js";
import { paginationOptsValidator } from "../packages/core/src/db/index.js";
import { openBenchPair, seedMessages } from "./lib/bench-database.js";
import { measure, report, type RunResult } from "./lib/stats.js";

const DOCS = Number(process.env.BENCH_DOCS ?? 100_000);
const OPS = Number(process.env.BENCH_OPS ?? 5_000);
const CONCURRENCY = 10;
const AUTHORS = 1000;

const schema = defineSchema({
  messages: defineTable({ author: v.string(), body: v.string(), likes: v.number() }).index("by_author", ["author"]),
  counters: defineTable({ name: v.string(), value: v.number() }).index("by_name", ["name"]),
});

const byAuthor = queryGeneric({
  args: { author: v.string() },
  handler: (ctx, { author }) => ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", author)).take(20),
});
const page = queryGeneric({
  args: { paginationOpts: paginationOptsValidator },
  handler: (ctx, { paginationOpts }) => ctx.db.query("messages").paginate(paginationOpts),
});
const send = mutationGeneric({
  args: { author: v.string(), body: v.string() },
  handler: (ctx, args) => ctx.db.insert("messages", { ...args, likes: 0 }),
});
const increment = mutationGeneric({
  args: { id: v.string() },
  handler: async (ctx, { id }) => {
    const counter = await ctx.db.get(id as never);
    if (counter === null) throw new Error("no counter");
    await ctx.db.patch(id as never, { value: (counter as { value: number }).value + 1 });
  },
});

const SELECT_BY_AUTHOR = `SELECT "_id", "_creation_time", "data" FROM "public"."messages" WHERE convoy.sort_key_v1("data"->'author') = $1 ORDER BY convoy.sort_key_v1("data"->'author'), "_creation_time", "_id" LIMIT 20`;
const SELECT_PAGE = `SELECT "_id", "_creation_time", "data" FROM "public"."messages" ORDER BY "_creation_time", "_id" LIMIT 21`;

async function rawTransaction<T>(pool: pg.Pool, isolation: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (;;) {
    const client = await pool.connect();
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK");
      if ((error as { code?: string }).code !== "40001") throw error;
    } finally {
      client.release();
    }
  }
}

export async function run(): Promise<void> {
  const bench = await openBenchPair(CONCURRENCY);
  const { driver, raw } = bench;
  try {
    const runtime = await createRuntime({ driver, schema, ensureStorage: { databaseUrl: bench.url }, registry: createRegistrySync({ bench: { byAuthor, page, send, increment } }) });
    console.log(`seeding ${DOCS} documents…`);
    await seedMessages(raw, DOCS, AUTHORS);
    const counterIds: string[] = [];
    for (let i = 0; i < 4; i++) {
      const id = newId("counters");
      counterIds.push(id);
      await raw.query(`INSERT INTO counters (_id, _creation_time, data) VALUES ($1, $2, $3::jsonb)`, [id, newCreationTime(), JSON.stringify({ name: `c${i}`, value: 0 })]);
    }

    const pairs: [string, () => Promise<RunResult>, () => Promise<RunResult>][] = [
      [
        "indexed lookup (withIndex eq + take 20)",
        () => measure("convoy runner", OPS, CONCURRENCY, (i) => runtime.run("query", "bench:byAuthor", { author: `author${i % AUTHORS}` })),
        () => measure("raw pg (same SQL)", OPS, CONCURRENCY, (i) => raw.query(SELECT_BY_AUTHOR, [Buffer.from(sortKey(`author${i % AUTHORS}`))])),
      ],
      [
        "paginate first page (20)",
        () => measure("convoy runner", OPS, CONCURRENCY, () => runtime.run("query", "bench:page", { paginationOpts: { numItems: 20, cursor: null } })),
        () => measure("raw pg (same SQL)", OPS, CONCURRENCY, () => raw.query(SELECT_PAGE)),
      ],
      [
        "insert mutation (serializable)",
        () => measure("convoy runner", OPS, CONCURRENCY, (i) => runtime.run("mutation", "bench:send", { author: `author${i % AUTHORS}`, body: "hi" })),
        () =>
          measure("raw pg (same SQL)", OPS, CONCURRENCY, (i) =>
            rawTransaction(raw, "SERIALIZABLE", (c) =>
              c.query(`INSERT INTO "public"."messages" ("_id", "_creation_time", "data") VALUES ($1, $2, $3::jsonb)`, [newId("messages"), newCreationTime(), JSON.stringify({ author: `author${i % AUTHORS}`, body: "hi", likes: 0 })]),
            ),
          ),
      ],
      [
        "contended patch increment (4 counters)",
        () => measure("convoy runner", OPS / 5, CONCURRENCY, (i) => runtime.run("mutation", "bench:increment", { id: counterIds[i % 4]! })),
        () =>
          measure("raw pg (same SQL)", OPS / 5, CONCURRENCY, (i) =>
            rawTransaction(raw, "SERIALIZABLE", async (c) => {
              const { rows } = await c.query<{ data: { value: number } }>(`SELECT "_id", "_creation_time", "data" FROM "public"."counters" WHERE "_id" = $1`, [counterIds[i % 4]]);
              await c.query(`UPDATE "public"."counters" SET "data" = $2::jsonb WHERE "_id" = $1`, [counterIds[i % 4], JSON.stringify({ ...rows[0]!.data, value: rows[0]!.data.value + 1 })]);
            }),
          ),
      ],
    ];
    for (const [title, convoy, baseline] of pairs) {
      // interleaved rounds, warm-up first
      await baseline();
      await convoy();
      const b1 = await baseline();
      const c1 = await convoy();
      const c2 = await convoy();
      const b2 = await baseline();
      const best = (a: RunResult, b: RunResult) => (a.opsPerSecond >= b.opsPerSecond ? a : b);
      report(`${title}, ${CONCURRENCY} concurrent`, best(c1, c2), best(b1, b2));
    }
  } finally {
    await bench.close();
  }
}

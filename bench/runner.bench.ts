/**
 * Issue 11 benchmark, in process (no HTTP): the bench app's four operations through Convoy's
 * runner vs the hand-written baseline (bench/lib/handwritten.ts: its own tables, named prepared
 * statements, `READ COMMITTED` + `FOR UPDATE`), same data (100k messages by 1,000 authors, 100
 * counters), same run, interleaved rounds; on the PostgreSQL server (raw `pg`), then embedded
 * (PGlite in process vs raw PGlite). Prints ops/s, p50, p99, CPU µs per operation of this
 * process, and the ratios. Convoy is the built package, as users run it (`npm run bench` builds
 * it first): from source under tsx, esbuild's `keepNames` wrappers cost it 10–15% more CPU.
 */
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import type { Driver } from "../packages/core/dist/driver/index.js";
import { createPgDriver, createPgliteDriver } from "../packages/core/dist/driver/index.js";
import { createRegistrySync, mutationGeneric, queryGeneric } from "../packages/core/dist/functions/index.js";
import { createRuntime, type Runtime } from "../packages/core/dist/runtime/index.js";
import { defineSchema, defineTable } from "../packages/core/dist/schema/index.js";
import { newCreationTime, newId } from "../packages/core/dist/storage/ids.js";
import { v } from "../packages/core/dist/values/index.js";
import { paginationOptsValidator } from "../packages/core/dist/db/index.js";
import { createBenchDatabase, seedMessages } from "./lib/bench-database.js";
import { HANDWRITTEN_DDL, byAuthor as rawByAuthor, handwrittenSeedSql, increment as rawIncrement, page as rawPage, pgRun, pgTransaction, send as rawSend, type InTransaction, type RunStatement } from "./lib/handwritten.js";
import { measure, type RunResult } from "./lib/stats.js";

const MESSAGES = Number(process.env.BENCH_DOCS ?? 100_000);
const OPS = Number(process.env.BENCH_OPS ?? 3_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 10;
const AUTHORS = 1000;
const COUNTERS = 100;

const schema = defineSchema({
  messages: defineTable({ author: v.string(), body: v.string(), likes: v.number() }).index("by_author", ["author"]),
  counters: defineTable({ name: v.string(), value: v.number() }).index("by_name", ["name"]),
});

const registry = createRegistrySync({
  bench: {
    byAuthor: queryGeneric({
      args: { author: v.string(), limit: v.number() },
      handler: (ctx, { author, limit }) => ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", author)).order("desc").take(limit),
    }),
    page: queryGeneric({
      args: { paginationOpts: paginationOptsValidator },
      handler: (ctx, { paginationOpts }) => ctx.db.query("messages").order("desc").paginate(paginationOpts),
    }),
    send: mutationGeneric({
      args: { author: v.string(), body: v.string() },
      handler: (ctx, args) => ctx.db.insert("messages", { ...args, likes: 0 }),
    }),
    increment: mutationGeneric({
      args: { name: v.string() },
      handler: async (ctx, { name }) => {
        const counter = (await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", name)).unique()) as { _id: string; value: number } | null;
        if (counter === null) {
          await ctx.db.insert("counters", { name, value: 1 });
          return 1;
        }
        await ctx.db.patch(counter._id as never, { value: counter.value + 1 });
        return counter.value + 1;
      },
    }),
  },
});

interface Measured extends RunResult {
  cpuPerOp: number;
}

async function measureCpu(name: string, total: number, op: (i: number) => Promise<unknown>): Promise<Measured> {
  const before = process.cpuUsage();
  const result = await measure(name, total, CONCURRENCY, op);
  const cpu = process.cpuUsage(before);
  return { ...result, cpuPerOp: (cpu.user + cpu.system) / total };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const range = (values: number[]) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;

/** Warm-up, then interleaved rounds (R C, C R, …); prints the means and the per-round ratios. */
async function compare(title: string, ops: number, convoy: (i: number) => Promise<unknown>, raw: (i: number) => Promise<unknown>): Promise<void> {
  if (process.env.BENCH_SCENARIO !== undefined && !title.includes(process.env.BENCH_SCENARIO)) return;
  await measureCpu("hand-written", Math.ceil(ops / 5), raw);
  await measureCpu("convoy runner", Math.ceil(ops / 5), convoy);
  const c: Measured[] = [];
  const r: Measured[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      r.push(await measureCpu("hand-written", ops, raw));
      c.push(await measureCpu("convoy runner", ops, convoy));
    } else {
      c.push(await measureCpu("convoy runner", ops, convoy));
      r.push(await measureCpu("hand-written", ops, raw));
    }
  }
  const row = (name: string, rounds: Measured[]) =>
    `  ${name.padEnd(16)} ${mean(rounds.map((x) => x.opsPerSecond)).toFixed(0).padStart(7)} ops/s   p50 ${mean(rounds.map((x) => x.p50)).toFixed(2).padStart(6)} ms   p99 ${mean(rounds.map((x) => x.p99)).toFixed(2).padStart(6)} ms   CPU ${mean(rounds.map((x) => x.cpuPerOp)).toFixed(0).padStart(5)} µs/op`;
  console.log(`\n${title} (${CONCURRENCY} concurrent, ${ROUNDS}×${ops} interleaved)`);
  console.log(row("hand-written", r));
  console.log(row("convoy runner", c));
  const ratios = c.map((x, i) => x.opsPerSecond / r[i]!.opsPerSecond);
  const p99s = c.map((x, i) => x.p99 / r[i]!.p99);
  console.log(`  convoy/hand-written: ${mean(ratios).toFixed(2)}x ops/s (rounds ${range(ratios)}), ${mean(p99s).toFixed(2)}x p99 (${range(p99s)}), ${(mean(c.map((x) => x.cpuPerOp)) / mean(r.map((x) => x.cpuPerOp))).toFixed(2)}x CPU/op`);
}

async function scenarios(label: string, runtime: Runtime, run: RunStatement, transaction: InTransaction): Promise<void> {
  const author = (i: number) => `author${(i * 7919) % AUTHORS}`;
  await compare(
    `${label}: indexed query, newest 10 by author`,
    OPS,
    (i) => runtime.run("query", "bench:byAuthor", { author: author(i), limit: 10 }),
    (i) => rawByAuthor(run, author(i), 10),
  );
  await compare(
    `${label}: paginate, first page of 20 newest`,
    OPS,
    () => runtime.run("query", "bench:page", { paginationOpts: { numItems: 20, cursor: null } }),
    () => rawPage(run, 20, null),
  );
  await compare(
    `${label}: insert one message`,
    OPS,
    (i) => runtime.run("mutation", "bench:send", { author: author(i), body: `hello ${i}` }),
    (i) => rawSend(run, author(i), `hello ${i}`),
  );
  await compare(
    `${label}: contended increment, ${COUNTERS} counters`,
    Math.round(OPS / 3),
    (i) => runtime.run("mutation", "bench:increment", { name: `c${(i * 31) % COUNTERS}` }),
    (i) => rawIncrement(transaction, `c${(i * 31) % COUNTERS}`),
  );
}

/** Convoy's tables and the hand-written ones, in the same database, with the same data. */
async function seed(driver: Driver, exec: (sql: string) => Promise<unknown>): Promise<void> {
  await seedMessages({ query: exec }, MESSAGES, AUTHORS);
  for (let i = 0; i < COUNTERS; i++) {
    await driver.query(`INSERT INTO counters (_id, _creation_time, data) VALUES ($1, $2, $3::jsonb)`, [newId("counters"), newCreationTime(), { name: `c${i}`, value: 0 }]);
  }
  for (const sql of [...HANDWRITTEN_DDL, ...handwrittenSeedSql(MESSAGES, AUTHORS, COUNTERS)]) await exec(sql);
}

async function onPostgres(): Promise<void> {
  const db = await createBenchDatabase();
  const driver = await createPgDriver({ connectionString: db.url, max: CONCURRENCY });
  const pool = new pg.Pool({ connectionString: db.url, max: CONCURRENCY });
  pool.on("error", () => undefined);
  try {
    // `origin` as `convoy start` sets it: its own writes skip the external-write triggers (without
    // it every mutation would run the trigger's plpgsql and a NOTIFY, serializing commits)
    const runtime = await createRuntime({ driver, schema, ensureStorage: { databaseUrl: db.url }, registry, origin: "bench" });
    console.log(`seeding ${MESSAGES} messages on PostgreSQL…`);
    await seed(driver, (sql) => pool.query(sql));
    const transaction = pgTransaction(pool);
    await scenarios("PostgreSQL", runtime, pgRun(pool), transaction);
  } finally {
    await driver.close();
    await pool.end();
    await db.drop();
  }
}

async function onPglite(): Promise<void> {
  const driver = await createPgliteDriver();
  const raw = await PGlite.create();
  try {
    const runtime = await createRuntime({ driver, schema, ensureStorage: true, registry, origin: "bench" });
    console.log(`\nseeding ${MESSAGES} messages on PGlite (Convoy's driver and a second, raw PGlite)…`);
    await seedMessages({ query: (sql) => driver.query(sql) }, MESSAGES, AUTHORS);
    for (let i = 0; i < COUNTERS; i++) {
      await driver.query(`INSERT INTO counters (_id, _creation_time, data) VALUES ($1, $2, $3::jsonb)`, [newId("counters"), newCreationTime(), { name: `c${i}`, value: 0 }]);
    }
    for (const sql of [...HANDWRITTEN_DDL, ...handwrittenSeedSql(MESSAGES, AUTHORS, COUNTERS)]) await raw.query(sql);
    const run: RunStatement = (_name, text, values) => raw.query(text, values);
    const transaction: InTransaction = (fn) => raw.transaction((tx) => fn((_name, text, values) => tx.query(text, values)));
    await scenarios("PGlite (embedded)", runtime, run, transaction);
  } finally {
    await driver.close();
    await raw.close();
  }
}

export async function run(): Promise<void> {
  if (process.env.BENCH_ENGINE !== "pglite") await onPostgres();
  if (process.env.BENCH_ENGINE !== "pg") await onPglite();
}

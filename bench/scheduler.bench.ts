/**
 * Issue 19 benchmark: scheduled-mutation throughput. N jobs, all due at once, each a mutation
 * inserting one row, run by 1 and by 3 runners (each its own connection pool, 8 jobs at a time)
 * through Convoy's scheduler (`ctx.scheduler` rows in `convoy.scheduled_functions`, claimed
 * with `FOR UPDATE SKIP LOCKED` inside the mutation's `SERIALIZABLE` transaction), against a
 * hand-written `SKIP LOCKED` job queue on raw `pg` doing the same work (`READ COMMITTED`: claim,
 * insert, mark done, commit), same database, interleaved rounds. Prints jobs/s, the ratio, and
 * Convoy's delay from due time to start (p50, p99); first, that delay when the runner is not
 * saturated (jobs spaced out, alone or next to one slow action).
 */
import pg from "pg";
import { createPgDriver, type Driver } from "../packages/core/src/driver/index.js";
import { createRegistrySync, internalActionGeneric, internalMutationGeneric, mutationGeneric } from "../packages/core/src/functions/index.js";
import { createRuntime, type Runtime } from "../packages/core/src/runtime/index.js";
import { SchedulerRunner } from "../packages/core/src/scheduler/scheduler-runner.js";
import { defineSchema, defineTable } from "../packages/core/src/schema/index.js";
import { anyApi } from "../packages/core/src/functions/any-api.js";
import { v } from "../packages/core/src/values/index.js";
import { createBenchDatabase } from "./lib/bench-database.js";
import { percentile } from "./lib/stats.js";

const JOBS = Number(process.env.BENCH_JOBS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = 8;
const LEAD_MS = 300;
const SPACED_JOBS = 100;
const SPACED_STEP_MS = 20;
const SPACED_ROUNDS = Number(process.env.BENCH_SPACED_ROUNDS ?? 3);
const SLOW_ACTION_MS = 1_000;

const schema = defineSchema({ events: defineTable({ tag: v.string() }) });
const registry = createRegistrySync({
  jobs: {
    log: internalMutationGeneric({
      args: { tag: v.string() },
      handler: async (ctx, { tag }) => {
        await ctx.db.insert("events", { tag });
      },
    }),
    slow: internalActionGeneric({
      args: { ms: v.number() },
      handler: async (_ctx, { ms }) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
      },
    }),
    scheduleSlow: mutationGeneric({
      args: { at: v.number(), ms: v.number() },
      handler: async (ctx, { at, ms }) => {
        await ctx.scheduler.runAt(at, anyApi.jobs!.slow!, { ms });
      },
    }),
    scheduleMany: mutationGeneric({
      args: { from: v.number(), count: v.number(), at: v.number(), stepMs: v.optional(v.number()) },
      handler: async (ctx, { from, count, at, stepMs }) => {
        for (let i = from; i < from + count; i++) await ctx.scheduler.runAt(at + (i - from) * (stepMs ?? 0), anyApi.jobs!.log!, { tag: `job-${i}` });
      },
    }),
  },
});

const RAW_DDL = [
  "CREATE TABLE IF NOT EXISTS raw_jobs (id bigserial PRIMARY KEY, tag text NOT NULL, due double precision NOT NULL, state text NOT NULL, done double precision)",
  "CREATE INDEX IF NOT EXISTS raw_jobs_due ON raw_jobs (due) WHERE state = 'pending'",
  "CREATE TABLE IF NOT EXISTS raw_events (id bigserial PRIMARY KEY, tag text NOT NULL)",
];

interface Result {
  jobsPerSecond: number;
  delayP50?: number;
  delayP99?: number;
}

async function convoyRound(runners: number, drivers: Driver[]): Promise<Result> {
  const runtimes: Runtime[] = [];
  for (let i = 0; i < runners; i++) runtimes.push(await createRuntime({ driver: drivers[i]!, schema, registry }));
  const first = runtimes[0]!;
  await first.driver.query("DELETE FROM convoy.scheduled_functions");
  const at = Date.now() + LEAD_MS + 200;
  for (let from = 0; from < JOBS; from += 200) await first.run("mutation", "jobs:scheduleMany", { from, count: Math.min(200, JOBS - from), at });
  const started = Math.max(Date.now(), at);
  const loops = runtimes.map((runtime) => new SchedulerRunner({ runtime: () => runtime, concurrency: CONCURRENCY, pollIntervalMs: 50 }));
  for (const loop of loops) loop.start();
  for (;;) {
    const { rows } = await first.driver.query<{ n: string }>("SELECT count(*) AS n FROM convoy.scheduled_functions WHERE state = 'pending'");
    if (Number(rows[0]!.n) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const { rows } = await first.driver.query<{ delay: number; done: number }>("SELECT completed_time - scheduled_time AS delay, completed_time AS done FROM convoy.scheduled_functions");
  await Promise.all(loops.map((loop) => loop.stop()));
  const delays = rows.map((row) => row.delay).sort((a, b) => a - b);
  const finished = Math.max(...rows.map((row) => row.done));
  return { jobsPerSecond: JOBS / ((finished - started) / 1000), delayP50: percentile(delays, 50), delayP99: percentile(delays, 99) };
}

/**
 * Jobs due one every 20 ms, one runner, not saturated: the delay from due time to start. The
 * runner is started first and the jobs are scheduled ahead in one mutation of its own process,
 * so every job is still in the future when scheduled (the runner must wake for each). With
 * `slowMs`, an action sleeping that long is due with the first job (it holds one of the 8
 * slots); the delays are the mutations'.
 */
async function spacedDelays(driver: Driver, slowMs = 0): Promise<{ p50: number; p99: number; max: number }> {
  const runtime = await createRuntime({ driver, schema, registry });
  await driver.query("DELETE FROM convoy.scheduled_functions");
  const loop = new SchedulerRunner({ runtime: () => runtime, concurrency: CONCURRENCY });
  loop.start();
  const start = Date.now() + 500;
  if (slowMs > 0) await runtime.run("mutation", "jobs:scheduleSlow", { at: start, ms: slowMs });
  await runtime.run("mutation", "jobs:scheduleMany", { from: 0, count: SPACED_JOBS, at: start, stepMs: SPACED_STEP_MS });
  if (Date.now() >= start) console.warn("  (scheduling took longer than the lead: the first jobs were late before the runner saw them)");
  for (;;) {
    const { rows } = await driver.query<{ n: string }>("SELECT count(*) AS n FROM convoy.scheduled_functions WHERE state IN ('pending', 'inProgress')");
    if (Number(rows[0]!.n) === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await loop.stop();
  const { rows } = await driver.query<{ delay: number }>("SELECT completed_time - scheduled_time AS delay FROM convoy.scheduled_functions WHERE name = 'jobs:log'");
  const delays = rows.map((row) => row.delay).sort((a, b) => a - b);
  return { p50: percentile(delays, 50), p99: percentile(delays, 99), max: delays[delays.length - 1]! };
}

async function rawRound(pools: pg.Pool[]): Promise<Result> {
  const first = pools[0]!;
  await first.query("TRUNCATE raw_jobs, raw_events");
  const at = Date.now() + LEAD_MS;
  await first.query("INSERT INTO raw_jobs (tag, due, state) SELECT 'job-' || i, $1, 'pending' FROM generate_series(0, $2 - 1) AS i", [at, JOBS]);
  while (Date.now() < at) await new Promise((resolve) => setTimeout(resolve, 1));
  const started = Date.now();
  const worker = async (pool: pg.Pool): Promise<void> => {
    const client = await pool.connect();
    try {
      for (;;) {
        await client.query("BEGIN");
        const { rows } = await client.query<{ id: string; tag: string }>(
          "SELECT id, tag FROM raw_jobs WHERE state = 'pending' AND due <= $1 ORDER BY due LIMIT 1 FOR UPDATE SKIP LOCKED",
          [Date.now()],
        );
        if (rows.length === 0) {
          await client.query("COMMIT");
          return;
        }
        await client.query("INSERT INTO raw_events (tag) VALUES ($1)", [rows[0]!.tag]);
        await client.query("UPDATE raw_jobs SET state = 'success', done = $2 WHERE id = $1", [rows[0]!.id, Date.now()]);
        await client.query("COMMIT");
      }
    } finally {
      client.release();
    }
  };
  await Promise.all(pools.flatMap((pool) => Array.from({ length: CONCURRENCY }, () => worker(pool))));
  return { jobsPerSecond: JOBS / ((Date.now() - started) / 1000) };
}

const range = (values: number[], digits = 0) => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

export async function run(): Promise<void> {
  const database = await createBenchDatabase();
  const drivers: Driver[] = [];
  const pools: pg.Pool[] = [];
  try {
    const setup = await createPgDriver({ connectionString: database.url, max: 2 });
    await createRuntime({ driver: setup, schema, registry, ensureStorage: { databaseUrl: database.url } });
    for (const sql of RAW_DDL) await setup.query(sql);
    await setup.close();
    for (let i = 0; i < 3; i++) {
      drivers.push(await createPgDriver({ connectionString: database.url, max: CONCURRENCY + 2 }));
      pools.push(new pg.Pool({ connectionString: database.url, max: CONCURRENCY }));
    }
    for (const slowMs of [0, SLOW_ACTION_MS]) {
      const spaced = [];
      for (let round = 0; round < SPACED_ROUNDS; round++) spaced.push(await spacedDelays(drivers[0]!, slowMs));
      console.log(
        `unsaturated (${SPACED_JOBS} mutations due ${SPACED_STEP_MS} ms apart${slowMs > 0 ? `, and a ${slowMs} ms action due with the first` : ""}, 1 runner, ${SPACED_ROUNDS} rounds): ` +
          `due→start delay p50 ${range(spaced.map((r) => r.p50), 1)} ms, p99 ${range(spaced.map((r) => r.p99), 1)} ms, max ${range(spaced.map((r) => r.max), 1)} ms`,
      );
    }
    console.log(`${JOBS} scheduled mutations (one insert each), all due at once; ${CONCURRENCY} at a time per runner; ${ROUNDS} interleaved rounds`);
    for (const runners of [1, 3]) {
      const convoy: Result[] = [];
      const raw: Result[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // interleave: R C, C R, …
        if (round % 2 === 0) {
          raw.push(await rawRound(pools.slice(0, runners)));
          convoy.push(await convoyRound(runners, drivers));
        } else {
          convoy.push(await convoyRound(runners, drivers));
          raw.push(await rawRound(pools.slice(0, runners)));
        }
      }
      const ratios = convoy.map((result, i) => result.jobsPerSecond / raw[i]!.jobsPerSecond);
      console.log(
        `${runners} runner${runners === 1 ? " " : "s"}: convoy ${range(convoy.map((r) => r.jobsPerSecond))} jobs/s, raw SKIP LOCKED queue ${range(raw.map((r) => r.jobsPerSecond))} jobs/s, ` +
          `convoy/raw ${range(ratios, 2)}; convoy due→run delay p50 ${range(convoy.map((r) => r.delayP50!))} ms, p99 ${range(convoy.map((r) => r.delayP99!))} ms`,
      );
    }
  } finally {
    for (const driver of drivers) await driver.close();
    for (const pool of pools) await pool.end();
    await database.drop();
  }
}

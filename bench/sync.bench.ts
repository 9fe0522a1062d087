/**
 * Issue 6 benchmark (`convoy sync`), real server:
 * 1. time to plan (introspect + diff) against a database with 200 Convoy tables and 600 indexes
 *    (target < 1 s);
 * 2. the longest insert stall a concurrent writer sees while sync adds an index to a table of
 *    BENCH_SYNC_ROWS rows (default 1M) with CREATE INDEX CONCURRENTLY, next to the stall of a
 *    plain CREATE INDEX on the same table for comparison.
 */
import pg from "pg";
import { createPgDriver } from "../packages/core/src/driver/index.js";
import { defineSchema, defineTable, type TableDefinition } from "../packages/core/src/schema/index.js";
import { newCreationTime, newId } from "../packages/core/src/storage/ids.js";
import { openSyncDriver, readPlan, syncSchema } from "../packages/core/src/schema-sync/index.js";
import { v } from "../packages/core/src/values/index.js";
import { createBenchDatabase } from "./lib/bench-database.js";
import { percentile } from "./lib/stats.js";

const TABLES = Number(process.env.BENCH_SYNC_TABLES ?? 200);
const ROWS = Number(process.env.BENCH_SYNC_ROWS ?? 1_000_000);

async function planTime(url: string): Promise<void> {
  const tables: Record<string, TableDefinition> = {};
  for (let i = 0; i < TABLES; i++) {
    tables[`t${String(i).padStart(3, "0")}`] = defineTable({ a: v.string(), b: v.number(), c: v.optional(v.string()) })
      .index("by_a", ["a"])
      .index("by_b_c", ["b", "c"]);
  }
  const schema = defineSchema(tables);
  const driver = await openSyncDriver(url);
  try {
    let t0 = performance.now();
    const applied = await syncSchema(driver, schema);
    const applyMs = performance.now() - t0;
    const { rows } = await driver.query<{ n: string }>(`SELECT count(*) AS n FROM pg_indexes WHERE schemaname = 'public' AND indexname LIKE '%\\_\\_%'`);
    const samples: number[] = [];
    for (let i = 0; i < 7; i++) {
      t0 = performance.now();
      const plan = await driver.transaction({}, (tx) => readPlan(tx, schema, { pgSchema: "public", allowDrop: false, concurrent: true }));
      samples.push(performance.now() - t0);
      if (plan.steps.length !== 0) throw new Error("expected an empty plan");
    }
    t0 = performance.now();
    const noop = await syncSchema(driver, schema);
    const noopMs = performance.now() - t0;
    // A changed schema: one new index per table (200 create_index steps), dry run.
    const grown = defineSchema(Object.fromEntries(Object.entries(tables).map(([name, table]) => [name, table.index("by_c", ["c"])])));
    t0 = performance.now();
    const dry = await syncSchema(driver, grown, { mode: "dry-run" });
    const dryMs = performance.now() - t0;
    samples.sort((a, b) => a - b);
    console.log(`\nplan against ${String(TABLES)} tables / ${rows[0]!.n} Convoy indexes (+ ${String(TABLES)} primary keys)`);
    console.log(`  first sync (create everything): ${applyMs.toFixed(0)} ms, outcome ${applied.outcome}`);
    console.log(`  plan (introspect + diff), up to date: median ${percentile(samples, 50).toFixed(1)} ms, min ${samples[0]!.toFixed(1)} ms, max ${samples[samples.length - 1]!.toFixed(1)} ms`);
    console.log(`  convoy sync when up to date (lock + plan): ${noopMs.toFixed(1)} ms, outcome ${noop.outcome}`);
    console.log(`  dry run of ${String(dry.plan.steps.length)} steps (one new index per table): ${dryMs.toFixed(1)} ms`);
  } finally {
    await driver.close();
  }
}

/** Inserts one row at a time until stopped; returns each insert's latency and the gaps between successes. */
function writer(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  let stop = false;
  const latencies: number[] = [];
  let failures = 0;
  const done = (async () => {
    while (!stop) {
      const t0 = performance.now();
      try {
        await pool.query(`INSERT INTO big (_id, _creation_time, data) VALUES ($1, $2, $3::jsonb)`, [newId("big"), newCreationTime(), JSON.stringify({ n: 1, tag: "live", body: "x" })]);
        latencies.push(performance.now() - t0);
      } catch {
        failures++;
      }
    }
  })();
  return {
    async finish() {
      stop = true;
      await done;
      await pool.end();
      const sorted = [...latencies].sort((a, b) => a - b);
      return { count: latencies.length, failures, max: sorted[sorted.length - 1] ?? NaN, p99: percentile(sorted, 99), p50: percentile(sorted, 50) };
    },
  };
}

async function insertStall(url: string): Promise<void> {
  const base = { n: v.number(), tag: v.string(), body: v.string() };
  const driver = await openSyncDriver(url);
  const admin = await createPgDriver({ connectionString: url, max: 1 });
  try {
    await syncSchema(driver, defineSchema({ big: defineTable(base) }));
    let t0 = performance.now();
    for (let from = 1; from <= ROWS; from += 250_000) {
      const to = Math.min(ROWS, from + 249_999);
      await admin.query(
        `INSERT INTO big (_id, _creation_time, data)
         SELECT 'seed' || lpad(i::text, 9, '0'), i, jsonb_build_object('n', i, 'tag', 't' || (i % 9973), 'body', md5(i::text))
         FROM generate_series($1::int, $2::int) AS i`,
        [from, to],
      );
    }
    await admin.query("VACUUM ANALYZE big");
    console.log(`\nindex build on ${ROWS.toLocaleString("en-US")} rows (loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s), one writer inserting back to back`);

    const idle = writer(url);
    await new Promise((r) => setTimeout(r, 1000));
    const baseline = await idle.finish();
    console.log(`  no build:                      ${String(baseline.count)} inserts in 1 s, p50 ${baseline.p50.toFixed(2)} ms, p99 ${baseline.p99.toFixed(2)} ms, max ${baseline.max.toFixed(2)} ms`);

    const during = writer(url);
    await new Promise((r) => setTimeout(r, 200));
    t0 = performance.now();
    const result = await syncSchema(driver, defineSchema({ big: defineTable(base).index("by_tag", ["tag"]) }));
    const syncMs = performance.now() - t0;
    const concurrent = await during.finish();
    console.log(
      `  convoy sync (CONCURRENTLY):    build ${(syncMs / 1000).toFixed(1)} s (${result.outcome}); ${String(concurrent.count)} inserts, ${String(concurrent.failures)} failed, p50 ${concurrent.p50.toFixed(2)} ms, p99 ${concurrent.p99.toFixed(2)} ms, longest stall ${concurrent.max.toFixed(1)} ms`,
    );

    const blocked = writer(url);
    await new Promise((r) => setTimeout(r, 200));
    t0 = performance.now();
    await admin.query(`CREATE INDEX plain_by_tag ON big (convoy.sort_key_v1(data->'tag'), _creation_time, _id)`);
    const plainMs = performance.now() - t0;
    const plain = await blocked.finish();
    console.log(
      `  plain CREATE INDEX (baseline): build ${(plainMs / 1000).toFixed(1)} s; ${String(plain.count)} inserts, p50 ${plain.p50.toFixed(2)} ms, p99 ${plain.p99.toFixed(2)} ms, longest stall ${plain.max.toFixed(1)} ms`,
    );
  } finally {
    await admin.close();
    await driver.close();
  }
}

export async function run(): Promise<void> {
  const first = await createBenchDatabase();
  try {
    await planTime(first.url);
  } finally {
    await first.drop();
  }
  const second = await createBenchDatabase();
  try {
    await insertStall(second.url);
  } finally {
    await second.drop();
  }
}

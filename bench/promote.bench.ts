/**
 * Issue 15 benchmark: `convoy promote` of `messages.author` on a 1M-row table (`--rows N` or
 * BENCH_PROMOTE_ROWS to change it). Measures the backfill's rows/s and the longest stall of a
 * writer doing single-row updates through `pg` during it (targets: ≥ 50k rows/s, ≤ 100 ms),
 * the other steps' durations, and the latency of an index query on the promoted column's index
 * vs the same query on the JSONB key-column index (before the switch), through Convoy's db layer.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { createDatabase } from "../packages/core/src/db/index.js";
import { applyPromotion, preparePromotion, type PromotionTarget } from "../packages/core/src/promotion/index.js";
import { backfillBatchSql } from "../packages/core/src/promotion/promotion-sql.js";
import { createPgDriver, type Driver } from "../packages/core/src/driver/index.js";
import { defineSchema, defineTable } from "../packages/core/src/schema/index.js";
import { ensureSchema } from "../packages/core/src/schema-sync/ensure-schema.js";
import { openSyncDriver } from "../packages/core/src/schema-sync/index.js";
import { AccessLog } from "../packages/core/src/storage/access-log.js";
import { createCatalog, type Catalog } from "../packages/core/src/storage/catalog.js";
import { loadCatalog } from "../packages/core/src/storage/load-catalog.js";
import { BACKFILL_SETTING } from "../packages/core/src/storage/promoted-column.js";
import { loadCursorSecret } from "../packages/core/src/storage/storage-check.js";
import { sortKey } from "../packages/core/src/storage/sort-key.js";
import { v } from "../packages/core/src/values/index.js";
import { createBenchDatabase } from "./lib/bench-database.js";
import { measure, percentile, report, type RunResult } from "./lib/stats.js";

function rowsOption(): number {
  const i = process.argv.findIndex((a) => a === "--rows" || a.startsWith("--rows="));
  const raw = i < 0 ? process.env.BENCH_PROMOTE_ROWS : process.argv[i]!.includes("=") ? process.argv[i]!.split("=")[1] : process.argv[i + 1];
  return raw === undefined ? 1_000_000 : Number(raw);
}

const schema = defineSchema({
  messages: defineTable({ author: v.string(), body: v.string() }).index("by_author", ["author"]).columns(["author"]),
});

/** Single-row updates in a loop until stopped; each one's latency (ms). */
function writerLoop(pool: pg.Pool, rows: number): { stop(): Promise<number[]> } {
  let running = true;
  const latencies: number[] = [];
  const done = (async () => {
    for (let n = 0; running; n++) {
      const id = ((n * 7919) % rows) + 1;
      const t0 = performance.now();
      await pool.query(`UPDATE "public"."messages" SET data = jsonb_set(data, '{body}', to_jsonb($2::text)) WHERE _id = lpad(to_hex($1::int), 26, '0')`, [id, `edit ${String(n)}`]);
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return latencies.sort((a, b) => a - b);
    },
  };
}

/**
 * The baseline: what a Postgres developer would write by hand on the same data: a plain table
 * (jsonb document, expression index on the field), `ADD COLUMN`, then keyset batches of 5000
 * `UPDATE … SET author = data->>'author'`, each its own transaction, no trigger. Rows/s.
 */
async function handWrittenBackfill(pool: pg.Pool, rows: number): Promise<number> {
  await pool.query(`CREATE TABLE raw_messages (id text COLLATE "C" PRIMARY KEY, created double precision NOT NULL, data jsonb NOT NULL)`);
  await pool.query(`CREATE INDEX raw_messages_author ON raw_messages ((data->>'author'), created, id)`);
  await pool.query(`CREATE INDEX raw_messages_created ON raw_messages (created, id)`);
  await pool.query(
    `INSERT INTO raw_messages SELECT lpad(to_hex(i), 26, '0'), 1700000000000 + i, jsonb_build_object('author', 'author' || (i % 1000), 'body', 'message number ' || i) FROM generate_series(1, $1::int) AS i`,
    [rows],
  );
  await pool.query(`VACUUM ANALYZE raw_messages`);
  await pool.query(`ALTER TABLE raw_messages ADD COLUMN author text`);
  const started = performance.now();
  for (let after = ""; ; ) {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SET LOCAL synchronous_commit = off");
      const { rows: out } = await client.query<{ last: string | null }>(
        `WITH b AS (SELECT max(id) AS last FROM (SELECT id FROM raw_messages WHERE id > $1 ORDER BY id LIMIT 5000) x)
         UPDATE raw_messages r SET author = r.data->>'author' FROM b WHERE r.id > $1 AND r.id <= b.last RETURNING b.last`,
        [after],
      );
      await client.query("COMMIT");
      if (out.length === 0 || out[0]!.last === null) break;
      after = out[0]!.last;
    } finally {
      client.release();
    }
  }
  const rate = rows / ((performance.now() - started) / 1000);
  await pool.query(`DROP TABLE raw_messages`);
  return rate;
}

/** Rows of the trigger comparison (see {@link batchRate}). */
const TRIGGER_COMPARISON_ROWS = 100_000;

/**
 * The backfill's own batch statement (5000 rows a batch, each its own transaction) over the
 * first {@link TRIGGER_COMPARISON_ROWS} rows, after clearing their column (with the trigger
 * skipped, so the documents stay), with the promotion trigger called (`convoy.backfill` unset:
 * what every batch did before) or skipped (what a batch does now). Rows/s.
 */
async function batchRate(pool: pg.Pool, target: PromotionTarget, tableRows: number, triggerCalled: boolean): Promise<number> {
  const client = await pool.connect();
  const total = Math.min(tableRows, TRIGGER_COMPARISON_ROWS);
  try {
    const last = total.toString(16).padStart(26, "0");
    await client.query("BEGIN");
    await client.query(`SELECT set_config($1, 'on', true)`, [BACKFILL_SETTING]);
    await client.query(`UPDATE "public"."messages" SET author = NULL WHERE _id <= $1`, [last]);
    await client.query("COMMIT");
    await client.query("VACUUM \"public\".\"messages\"");
    const sql = backfillBatchSql(target);
    const started = performance.now();
    for (let after = "", rows = 0; rows < total; ) {
      await client.query("BEGIN");
      await client.query(`SELECT set_config('synchronous_commit', 'off', true), set_config('convoy.origin', 'promote', true), set_config($1, $2, true)`, [BACKFILL_SETTING, triggerCalled ? "" : "on"]);
      const { rows: out } = await client.query<{ last: string; rows: number }>(sql, [after, Math.min(5000, total - rows), target.pgSchema, target.table, target.field]);
      await client.query("COMMIT");
      after = out[0]!.last;
      rows += out[0]!.rows;
    }
    return total / ((performance.now() - started) / 1000);
  } finally {
    client.release();
  }
}

/** CPU time (µs) a process has used, from /proc (Linux, server on this machine), or NaN. */
function cpuMicros(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${String(pid)}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * One statement run `n` times in a row through Convoy's pg driver on one connection (prepared
 * once, by name): wall ms/op, and the server backend's CPU µs/op (NaN when Postgres is not
 * on this machine).
 */
async function statementCost(driver: Driver, sql: string, params: (i: number) => unknown[], n: number): Promise<{ ms: number; serverMicros: number }> {
  return driver.transaction({ isolation: "read committed", readOnly: true }, async (tx) => {
    const { rows } = await tx.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`);
    const pid = rows[0]!.pid;
    const cpu0 = cpuMicros(pid);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await tx.query(sql, params(i));
    return { ms: (performance.now() - t0) / n, serverMicros: (cpuMicros(pid) - cpu0) / n };
  });
}

async function indexSize(driver: Driver, name: string): Promise<number> {
  const { rows } = await driver.query<{ bytes: string }>(`SELECT pg_relation_size(c.oid)::text AS bytes FROM pg_class c WHERE c.relname = $1`, [name]);
  return Number(rows[0]?.bytes ?? NaN);
}

async function queryLatency(driver: Driver, catalog: Catalog, cursorSecret: string, name: string) {
  return measure(name, 2000, 4, (i) =>
    driver.transaction({ isolation: "repeatable read", readOnly: true }, (tx) =>
      createDatabase({ tx, catalog, log: new AccessLog(), writable: false, cursorSecret })
        .query("messages")
        .withIndex("by_author", (q) => q.eq("author", `author${String(i % 1000)}`))
        .take(20),
    ),
  );
}

export async function run(): Promise<void> {
  const rows = rowsOption();
  const db = await createBenchDatabase();
  const driver = await createPgDriver({ connectionString: db.url, max: 4 });
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const promoter = await openSyncDriver(db.url);
  try {
    await ensureSchema({ driver, databaseUrl: db.url }, schema);
    for (let start = 1; start <= rows; start += 250_000) {
      await driver.query(
        `INSERT INTO "public"."messages" (_id, _creation_time, data)
         SELECT lpad(to_hex(i), 26, '0'), 1700000000000 + i, jsonb_build_object('author', 'author' || (i % 1000), 'body', 'message number ' || i)
           FROM generate_series($1::int, $2::int) AS i`,
        [start, Math.min(rows, start + 249_999)],
      );
    }
    await driver.query(`VACUUM ANALYZE "public"."messages"`);
    const rawRate = await handWrittenBackfill(pool, rows);
    const cursorSecret = await loadCursorSecret(driver);
    const keyIndexBefore = await indexSize(driver, "messages__by_author");

    const prepared = await preparePromotion(promoter, schema, "messages.author", { pgSchema: "public" });
    const baselineWriter = writerLoop(pool, rows);
    await new Promise((r) => setTimeout(r, 2000));
    const baseline = await baselineWriter.stop();

    const timings: Record<string, number> = {};
    let writer: ReturnType<typeof writerLoop> | undefined;
    let backfillWriter: Promise<number[]> = Promise.resolve([]);
    let stepStart = 0;
    await applyPromotion(promoter, prepared.plan, {
      pgSchema: "public",
      onStep: (step, event) => {
        if (event === "start") {
          stepStart = performance.now();
          if (step.kind === "backfill") writer = writerLoop(pool, rows);
          return;
        }
        timings[step.kind] = performance.now() - stepStart;
        if (step.kind === "backfill" && writer !== undefined) {
          backfillWriter = writer.stop();
          writer = writerLoop(pool, rows);
        }
      },
    });
    const backfillLatencies = await backfillWriter;
    const laterLatencies = (await writer?.stop()) ?? [];
    // the key-column index stays until --finish: both catalogs query the same table, interleaved, warm
    const before = createCatalog(schema);
    const after = await loadCatalog(driver, schema);
    await queryLatency(driver, before, cursorSecret, "warm-up");
    await queryLatency(driver, after, cursorSecret, "warm-up");
    const rounds = { jsonb: [] as RunResult[], column: [] as RunResult[] };
    for (let round = 0; round < 3; round++) {
      rounds.jsonb.push(await queryLatency(driver, before, cursorSecret, "key-column index (jsonb)"));
      rounds.column.push(await queryLatency(driver, after, cursorSecret, "promoted column index"));
    }
    // the median round of each (by throughput): one noisy round on a shared machine does not decide
    const median = (results: RunResult[]) => [...results].sort((a, b) => a.opsPerSecond - b.opsPerSecond)[1]!;
    const jsonbQueries = median(rounds.jsonb);
    const columnQueries = median(rounds.column);

    const keyIndexAfter = await indexSize(driver, "messages__by_author");
    const columnIndex = await indexSize(driver, "messages__by_author__c");

    // the statement alone, sequential, one connection: key column, promoted column with its flags
    // as parameters (before), promoted column with its flags as constants (now)
    const plan = (catalog: Catalog) =>
      createDatabase({ tx: driver, catalog, log: new AccessLog(), writable: false, cursorSecret }).query("messages").withIndex("by_author", (q) => q.eq("author", "author0")).compile({ limit: 20 }).sql;
    const keySql = plan(before);
    const columnSql = plan(after);
    const author = (i: number) => `author${String(i % 1000)}`;
    const variants = [
      { name: "key column", sql: keySql, params: (i: number) => [sortKey(author(i))] },
      { name: "promoted, flag as $1::boolean (before)", sql: columnSql.replace("(TRUE, $1::text)", "($1::boolean, $2::text)"), params: (i: number) => [true, author(i)] },
      { name: "promoted, flag as TRUE (now)", sql: columnSql, params: (i: number) => [author(i)] },
    ];
    const costs = new Map<string, { ms: number; serverMicros: number }[]>(variants.map((v) => [v.name, []]));
    for (let round = 0; round < 3; round++) {
      for (const variant of variants) costs.get(variant.name)!.push(await statementCost(driver, variant.sql, variant.params, 3000));
    }

    // the batch statement with the trigger called (before) and skipped (now), alternated, same table
    const triggerRates = { called: [] as number[], skipped: [] as number[] };
    for (let round = 0; round < 2; round++) {
      triggerRates.called.push(await batchRate(pool, prepared.plan.target, rows, true));
      triggerRates.skipped.push(await batchRate(pool, prepared.plan.target, rows, false));
    }

    const rate = rows / (timings.backfill! / 1000);
    console.log(`\npromote messages.author on ${String(rows)} rows`);
    for (const [step, ms] of Object.entries(timings)) console.log(`  ${step.padEnd(9)} ${ms.toFixed(0).padStart(8)} ms`);
    console.log(`  backfill rate: ${rate.toFixed(0)} rows/s (target ≥ 50,000); hand-written batched UPDATE without trigger on a plain table: ${rawRate.toFixed(0)} rows/s (ratio ${(rate / rawRate).toFixed(2)})`);
    const rates = (list: number[]) => list.map((r) => r.toFixed(0)).join(" / ");
    console.log(
      `  backfill batches over ${String(TRIGGER_COMPARISON_ROWS)} rows, 2 alternated rounds: trigger called (before) ${rates(triggerRates.called)} rows/s, trigger skipped (convoy.backfill, now) ${rates(triggerRates.skipped)} rows/s`,
    );
    console.log(
      `  writer (single-row UPDATE through pg, ${String(backfillLatencies.length)} during the backfill): p50 ${percentile(backfillLatencies, 50).toFixed(2)} ms, p99 ${percentile(backfillLatencies, 99).toFixed(2)} ms, max ${(backfillLatencies.at(-1) ?? NaN).toFixed(1)} ms (target ≤ 100); index/verify/switch: p99 ${percentile(laterLatencies, 99).toFixed(2)} ms, max ${(laterLatencies.at(-1) ?? NaN).toFixed(1)} ms; before: p50 ${percentile(baseline, 50).toFixed(2)} ms, max ${(baseline.at(-1) ?? NaN).toFixed(1)} ms`,
    );
    const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
    console.log(
      `  index sizes: messages__by_author (key column) ${mb(keyIndexBefore)} before the backfill, ${mb(keyIndexAfter)} after (its updates add entries); messages__by_author__c (column, fresh) ${mb(columnIndex)}`,
    );
    console.log(`\nthe eq + take(20) statement alone, 3000 in a row on one connection, 3 alternated rounds (ms/op; server backend CPU µs/op):`);
    for (const [name, list] of costs) console.log(`  ${name.padEnd(40)} ${list.map((c) => `${c.ms.toFixed(3)} ms; ${c.serverMicros.toFixed(0)} µs`).join("   ")}`);
    report("withIndex(by_author, eq).take(20), 4 connections, median of 3 interleaved rounds: promoted column index vs key-column index", columnQueries, jsonbQueries, "column/jsonb");
  } finally {
    await promoter.close();
    await pool.end();
    await driver.close();
    await db.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();

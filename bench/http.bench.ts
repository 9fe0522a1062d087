/**
 * Issue 11 benchmark over HTTP: the bench app (the playground's functions, its `by_likes` index
 * dropped so both sides maintain the same indexes) through `convoy start`, a real child process,
 * vs a hand-written `node:http` + `pg` server over its own tables (bench/lib/handwritten.ts).
 * Each side has its own database with identical data (100k messages by 1,000 authors, 100
 * counters). autocannon, 50 connections, warm-up, then interleaved rounds. Prints req/s, p50,
 * p99, server CPU µs per request (utime+stime of the server process) and rollbacks per commit
 * (`pg_stat_database` deltas over the rounds), and the ratios.
 * Also: `convoy dev`'s reload time, from saving a function file to the new code answering.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import autocannon from "autocannon";
import pg from "pg";
import { createPgDriver } from "../packages/core/src/driver/index.js";
import { ensureSchema } from "../packages/core/src/schema-sync/ensure-schema.js";
import { newCreationTime, newId } from "../packages/core/src/storage/ids.js";
import { startCli, startScript, type CliProcess } from "../packages/core/test/cli/cli-process.js";
import { benchApp } from "./lib/bench-app.js";
import { createBenchDatabase, seedMessages } from "./lib/bench-database.js";
import { HANDWRITTEN_DDL, handwrittenSeedSql } from "./lib/handwritten.js";
import { STATS_FLUSH_MS, cpuBetween, databaseCpuMicros, processCpuMicros, processSyscalls, transactionCounts } from "./lib/server-metrics.js";

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
/** Convoy listens on PORT, the hand-written server on PORT + 1 (`BENCH_PORT`: two benches at once). */
const PORT = Number(process.env.BENCH_PORT ?? 3791);
const MESSAGES = 100_000;
const AUTHORS = 1000;
const COUNTERS = 100;
const root = fileURLToPath(new URL("..", import.meta.url));
const BUILT_CLI = join(root, "packages/core/dist/cli/main.js");

interface Round {
  rps: number;
  p50: number;
  p99: number;
  cpuPerRequest: number;
  /** CPU µs of the database's backends per request */
  dbCpuPerRequest: number;
  /** read and write system calls of the server per request */
  syscallsPerRequest: { reads: number; writes: number };
  failed: number;
}

interface Side {
  name: string;
  url: string;
  pid: number;
  stats: pg.Client;
}

async function load(side: Side, path: string, body: (i: number) => string, seconds: number): Promise<Round> {
  let i = 0;
  const cpuBefore = processCpuMicros(side.pid);
  const syscallsBefore = processSyscalls(side.pid);
  const dbCpuBefore = await databaseCpuMicros(side.stats);
  const result = await autocannon({
    url: `${side.url}${path}`,
    connections: CONNECTIONS,
    duration: seconds,
    method: "POST",
    headers: { "content-type": "application/json" },
    requests: [{ setupRequest: (request) => ({ ...request, body: body(i++) }) }],
  });
  const cpu = processCpuMicros(side.pid) - cpuBefore;
  const syscalls = processSyscalls(side.pid);
  const dbCpu = cpuBetween(dbCpuBefore, await databaseCpuMicros(side.stats));
  const requests = Math.max(1, result.requests.total);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPerRequest: cpu / requests,
    dbCpuPerRequest: dbCpu / requests,
    syscallsPerRequest: { reads: (syscalls.reads - syscallsBefore.reads) / requests, writes: (syscalls.writes - syscallsBefore.writes) / requests },
    failed: result.errors + result.non2xx,
  };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const range = (values: number[]) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`;

async function scenario(title: string, path: string, body: (i: number) => string, convoy: Side, raw: Side): Promise<void> {
  // Each scenario starts from clean tables: the previous one's writes (a scenario's inserts) are
  // vacuumed and checkpointed now, not by autovacuum and the checkpointer during these rounds.
  for (const side of [convoy, raw]) await side.stats.query("VACUUM ANALYZE");
  await raw.stats.query("CHECKPOINT");
  // warm-up: both servers' code optimised by the JIT before anything is measured
  await load(raw, path, body, WARMUP_SECONDS);
  await load(convoy, path, body, WARMUP_SECONDS);
  await new Promise((r) => setTimeout(r, STATS_FLUSH_MS));
  const before = await Promise.all([transactionCounts(convoy.stats), transactionCounts(raw.stats)]);
  const c: Round[] = [];
  const r: Round[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // alternate who goes first: R C, C R, R C, …
    if (round % 2 === 0) {
      r.push(await load(raw, path, body, DURATION));
      c.push(await load(convoy, path, body, DURATION));
    } else {
      c.push(await load(convoy, path, body, DURATION));
      r.push(await load(raw, path, body, DURATION));
    }
  }
  await new Promise((resolve) => setTimeout(resolve, STATS_FLUSH_MS));
  const after = await Promise.all([transactionCounts(convoy.stats), transactionCounts(raw.stats)]);
  const perCommit = (i: number) => (after[i]!.rollbacks - before[i]!.rollbacks) / Math.max(1, after[i]!.commits - before[i]!.commits);
  const row = (name: string, rounds: Round[], rollbacks: number) =>
    `  ${name.padEnd(20)} ${mean(rounds.map((x) => x.rps)).toFixed(0).padStart(7)} req/s   p50 ${mean(rounds.map((x) => x.p50)).toFixed(1).padStart(5)} ms   p99 ${mean(rounds.map((x) => x.p99)).toFixed(1).padStart(6)} ms   CPU ${mean(rounds.map((x) => x.cpuPerRequest)).toFixed(0).padStart(4)} µs/req   database CPU ${mean(rounds.map((x) => x.dbCpuPerRequest)).toFixed(0).padStart(4)} µs/req   syscalls/req ${mean(rounds.map((x) => x.syscallsPerRequest.reads)).toFixed(1)} r ${mean(rounds.map((x) => x.syscallsPerRequest.writes)).toFixed(1)} w   rollbacks/commit ${rollbacks.toFixed(3)}   failed ${rounds.reduce((a, x) => a + x.failed, 0)}`;
  console.log(`\n${title} (${CONNECTIONS} connections, ${ROUNDS}×${DURATION} s interleaved rounds)`);
  console.log(row("hand-written", r, perCommit(1)));
  console.log(row("convoy start", c, perCommit(0)));
  const ratios = c.map((x, i) => x.rps / r[i]!.rps);
  const p99s = c.map((x, i) => x.p99 / r[i]!.p99);
  const cpus = c.map((x, i) => x.cpuPerRequest / r[i]!.cpuPerRequest);
  console.log(`  convoy/hand-written: ${mean(ratios).toFixed(2)}x req/s (rounds ${range(ratios)}), ${mean(p99s).toFixed(2)}x p99 (${range(p99s)}), ${mean(cpus).toFixed(2)}x CPU/req`);
  if (path.includes("increment")) {
    // HOT updates (no index entry per update) and what the counters table grew to
    const table = async (side: Side, name: string) => {
      const { rows } = await side.stats.query<{ upd: string; hot: string; heap: string; indexes: string }>(
        `SELECT n_tup_upd AS upd, n_tup_hot_upd AS hot, pg_relation_size(relid) AS heap, pg_indexes_size(relid) AS indexes FROM pg_stat_user_tables WHERE relname = $1`,
        [name],
      );
      const row = rows[0]!;
      return `${side.name}: ${row.hot}/${row.upd} updates HOT, heap ${(Number(row.heap) / 1024).toFixed(0)} kB, indexes ${(Number(row.indexes) / 1024).toFixed(0)} kB`;
    };
    console.log(`  counters table: ${await table(convoy, "counters")}; ${await table(raw, "counters")}`);
  }
  if (c.some((x) => x.failed > 0)) {
    const sample = await fetch(`${convoy.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: body(0) });
    console.log(`  convoy non-2xx sample: ${sample.status} ${await sample.text()}`);
  }
}

async function httpBench(): Promise<void> {
  const convoyDb = await createBenchDatabase();
  const rawDb = await createBenchDatabase();
  const app = benchApp();
  const children: CliProcess[] = [];
  const statsClients: pg.Client[] = [];
  try {
    const schema = (await import(pathToFileURL(join(app, "convoy/schema.ts")).href)) as { default: Parameters<typeof ensureSchema>[1] };
    const driver = await createPgDriver({ connectionString: convoyDb.url, max: 2 });
    await ensureSchema({ driver, databaseUrl: convoyDb.url }, schema.default);
    await driver.close();
    const seed = new pg.Client({ connectionString: convoyDb.url });
    await seed.connect();
    await seedMessages(seed, MESSAGES, AUTHORS);
    for (let i = 0; i < COUNTERS; i++) {
      await seed.query(`INSERT INTO counters (_id, _creation_time, data) VALUES ($1, $2, $3::jsonb)`, [newId("counters"), newCreationTime(), JSON.stringify({ name: `c${i}`, value: 0 })]);
    }
    await seed.query("ANALYZE");
    await seed.end();
    const rawSeed = new pg.Client({ connectionString: rawDb.url });
    await rawSeed.connect();
    for (const sql of [...HANDWRITTEN_DDL, ...handwrittenSeedSql(MESSAGES, AUTHORS, COUNTERS)]) await rawSeed.query(sql);
    await rawSeed.end();

    // what users run: the built CLI (`npm run bench` builds it first), not the source under tsx
    const convoy = startScript(BUILT_CLI, ["start", "--port", String(PORT), "--db", convoyDb.url, "--skip-schema-check"], app);
    const raw = startScript(join(root, "bench/lib/raw-server.ts"), [rawDb.url, String(PORT + 1)], root);
    children.push(convoy, raw);
    await Promise.all([convoy.waitFor(/listening on/, 120_000), raw.waitFor(/ready/, 120_000)]);
    const side = async (name: string, url: string, child: CliProcess, dbUrl: string): Promise<Side> => {
      const stats = new pg.Client({ connectionString: dbUrl });
      await stats.connect();
      statsClients.push(stats);
      return { name, url, pid: child.child.pid!, stats };
    };
    const convoySide = await side("convoy", `http://127.0.0.1:${PORT}`, convoy, convoyDb.url);
    const rawSide = await side("raw", `http://127.0.0.1:${PORT + 1}`, raw, rawDb.url);

    const author = (i: number) => `author${(i * 7919) % AUTHORS}`;
    const scenarios: [string, string, (i: number) => string][] = [
      ["indexed query: newest 10 by author", "/api/query/messages:byAuthor", (i) => JSON.stringify({ args: { author: author(i), limit: 10 } })],
      ["paginate: first page of 20, newest first", "/api/query/messages:list", () => JSON.stringify({ args: { paginationOpts: { numItems: 20, cursor: null } } })],
      ["insert: one message", "/api/mutation/messages:send", (i) => JSON.stringify({ args: { author: author(i), body: `hello ${i}` } })],
      ["contended increment: 100 counters", "/api/mutation/counters:increment", (i) => JSON.stringify({ args: { name: `c${(i * 31) % COUNTERS}` } })],
    ];
    const only = process.env.BENCH_SCENARIO;
    for (const [title, path, body] of scenarios) {
      if (only !== undefined && !title.includes(only)) continue;
      await scenario(title, path, body, convoySide, rawSide);
    }
  } finally {
    await Promise.all(statsClients.map((client) => client.end()));
    await Promise.all(children.map((child) => child.stop()));
    rmSync(app, { recursive: true, force: true });
    await Promise.all([convoyDb.drop(), rawDb.drop()]);
  }
}

async function devReloadBench(): Promise<void> {
  const app = mkdtempSync(join(tmpdir(), "convoy-reload-"));
  let dev: CliProcess | undefined;
  try {
    cpSync(join(root, "examples/playground/convoy"), join(app, "convoy"), { recursive: true });
    // the playground's dev issuer (auth.config.ts) imports jose
    symlinkSync(join(root, "node_modules"), join(app, "node_modules"), "dir");
    dev = startCli(["dev", "--port", "0"], app);
    const devUrl = (await dev.waitFor(/ready: (http:\/\/localhost:\d+)/, 120_000))[1]!;
    const file = join(app, "convoy/messages.ts");
    const original = readFileSync(file, "utf8");
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      writeFileSync(file, `${original}\nexport const version = query({ args: {}, handler: async () => ${i} });\n`);
      const saved = performance.now();
      for (const deadline = saved + 10_000; ; ) {
        if (performance.now() > deadline) throw new Error(`save ${i} was not picked up within 10 s:\n${dev.stdout()}${dev.stderr()}`);
        const response = await fetch(`${devUrl}/api/query/messages:version`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"args":{}}' });
        const json = (await response.json()) as { value?: number };
        if (json.value === i) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      times.push(performance.now() - saved);
      await new Promise((r) => setTimeout(r, 150)); // a person does not save twice within a few ms
    }
    times.sort((a, b) => a - b);
    console.log(`\nconvoy dev: save → new code answering, 20 saves: median ${times[10]!.toFixed(0)} ms, min ${times[0]!.toFixed(0)} ms, max ${times[19]!.toFixed(0)} ms`);
  } finally {
    await dev?.stop();
    rmSync(app, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  await httpBench();
  if (process.env.BENCH_SCENARIO === undefined) await devReloadBench();
}

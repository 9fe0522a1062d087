/**
 * Issue 5 benchmark: the playground's index query (`messages:byAuthor`) and a contended
 * increment mutation (`counters:increment`, 4 counters) through `convoy start` vs a raw
 * `node:http` + `pg` server doing the identical SQL and JSON shape, same run, same load
 * generator (autocannon, 50 connections), warm-up first, interleaved rounds.
 * Also: `convoy dev`'s reload time, from saving a function file to the new code answering.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import autocannon from "autocannon";
import pg from "pg";
import { createPgDriver } from "../packages/convoy/src/driver/index.js";
import { ensureStorage } from "../packages/convoy/src/storage/ensure-storage.js";
import { createBenchDatabase } from "./lib/bench-database.js";

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const root = fileURLToPath(new URL("..", import.meta.url));
const TSX = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist/loader.mjs")).href;
const CLI = join(root, "packages/convoy/src/cli/main.ts");

function startProcess(args: string[], cwd: string, ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ["--import", TSX, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", ...env } });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (ready.test(output)) {
        clearInterval(timer);
        resolve({ child, output: () => output });
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(output));
      }
    }, 20);
  });
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, path: string, body: (i: number) => string, seconds: number): Promise<LoadResult> {
  let i = 0;
  const result = await autocannon({
    url: `${url}${path}`,
    connections: CONNECTIONS,
    duration: seconds,
    method: "POST",
    headers: { "content-type": "application/json" },
    requests: [{ setupRequest: (request) => ({ ...request, body: body(i++) }) }],
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

function print(title: string, convoy: LoadResult, raw: LoadResult): void {
  const row = (name: string, r: LoadResult) =>
    `  ${name.padEnd(22)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(1).padStart(5)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms   errors ${r.errors + r.non2xx}`;
  console.log(`\n${title} (${CONNECTIONS} connections, ${DURATION} s rounds)`);
  console.log(row("raw node:http + pg", raw));
  console.log(row("convoy start", convoy));
  console.log(`  ratio convoy/raw: ${(convoy.rps / raw.rps).toFixed(2)}x req/s, ${(convoy.p99 / raw.p99).toFixed(2)}x p99`);
}

async function httpBench(): Promise<void> {
  const db = await createBenchDatabase();
  const app = mkdtempSync(join(tmpdir(), "convoy-bench-"));
  const children: ChildProcess[] = [];
  try {
    cpSync(join(root, "examples/playground/convoy"), join(app, "convoy"), { recursive: true });
    const schema = (await import(pathToFileURL(join(app, "convoy/schema.ts")).href)) as { default: { json: Parameters<typeof ensureStorage>[1] } };
    const driver = await createPgDriver({ connectionString: db.url, max: 2 });
    await ensureStorage(driver, schema.default.json);
    await driver.close();
    const seed = new pg.Client({ connectionString: db.url });
    await seed.connect();
    await seed.query(
      `INSERT INTO messages (_id, _creation_time, data)
       SELECT lpad(to_hex(i), 26, '0'), 1700000000000 + i, jsonb_build_object('author', 'author' || (i % 100), 'body', 'message ' || i, 'likes', 0)
       FROM generate_series(1, 20000) AS i`,
    );
    await seed.query("ANALYZE");
    await seed.end();

    const convoy = await startProcess([CLI, "start", "--port", "3791", "--db", db.url, "--skip-schema-check"], app, /listening on/);
    const raw = await startProcess([join(root, "bench/lib/raw-server.ts"), db.url, "3792"], root, /ready/);
    children.push(convoy.child, raw.child);
    const convoyUrl = "http://127.0.0.1:3791";
    const rawUrl = "http://127.0.0.1:3792";

    const scenarios: [string, string, (i: number) => string][] = [
      ["messages:byAuthor (index query, take 20)", "/api/query/messages:byAuthor", (i) => JSON.stringify({ args: { author: `author${i % 100}` } })],
      ["counters:increment (contended mutation, 4 counters)", "/api/mutation/counters:increment", (i) => JSON.stringify({ args: { name: `c${i % 4}` } })],
    ];
    for (const [title, path, body] of scenarios) {
      await load(rawUrl, path, body, 2);
      await load(convoyUrl, path, body, 2);
      const r1 = await load(rawUrl, path, body, DURATION);
      const c1 = await load(convoyUrl, path, body, DURATION);
      const c2 = await load(convoyUrl, path, body, DURATION);
      const r2 = await load(rawUrl, path, body, DURATION);
      const avg = (a: LoadResult, b: LoadResult): LoadResult => ({
        rps: (a.rps + b.rps) / 2,
        p50: (a.p50 + b.p50) / 2,
        p99: (a.p99 + b.p99) / 2,
        errors: a.errors + b.errors,
        non2xx: a.non2xx + b.non2xx,
      });
      print(title, avg(c1, c2), avg(r1, r2));
      if (c1.non2xx + c2.non2xx > 0) {
        const sample = await fetch(`${convoyUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: body(0) });
        console.log(`  convoy non-2xx sample: ${sample.status} ${await sample.text()}`);
      }
    }
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    rmSync(app, { recursive: true, force: true });
    await db.drop();
  }
}

async function devReloadBench(): Promise<void> {
  const app = mkdtempSync(join(tmpdir(), "convoy-reload-"));
  try {
    cpSync(join(root, "examples/playground/convoy"), join(app, "convoy"), { recursive: true });
    const dev = await startProcess([CLI, "dev", "--port", "0"], app, /ready: http:\/\/localhost:\d+/);
    const devUrl = /ready: (http:\/\/localhost:\d+)/.exec(dev.output())![1]!;
    const file = join(app, "convoy/messages.ts");
    const original = readFileSync(file, "utf8");
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      writeFileSync(file, `${original}\nexport const version = query({ args: {}, handler: async () => ${i} });\n`);
      const saved = performance.now();
      for (const deadline = saved + 10_000; ; ) {
        if (performance.now() > deadline) throw new Error(`save ${i} was not picked up within 10 s:\n${dev.output()}`);
        const response = await fetch(`${devUrl}/api/query/messages:version`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"args":{}}' });
        const json = (await response.json()) as { value?: number };
        if (json.value === i) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      times.push(performance.now() - saved);
      await new Promise((r) => setTimeout(r, 150)); // a person does not save twice within a few ms
    }
    dev.child.kill("SIGTERM");
    times.sort((a, b) => a - b);
    console.log(`\nconvoy dev: save → new code answering, 20 saves: median ${times[10]!.toFixed(0)} ms, min ${times[0]!.toFixed(0)} ms, max ${times[19]!.toFixed(0)} ms`);
  } finally {
    await new Promise((r) => setTimeout(r, 300));
    rmSync(app, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  await httpBench();
  await devReloadBench();
}

/**
 * Issue 5 benchmark: the playground's index query (`messages:byAuthor`) and a contended
 * increment mutation (`counters:increment`, 4 counters) through `convoy start` vs a raw
 * `node:http` + `pg` server doing the identical SQL and JSON shape, same run, same load
 * generator (autocannon, 50 connections), warm-up first, interleaved rounds.
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
import { startCli, startScript, type CliProcess } from "../packages/core/test/cli/cli-process.js";
import { createBenchDatabase, seedMessages } from "./lib/bench-database.js";

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const root = fileURLToPath(new URL("..", import.meta.url));

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
  const children: CliProcess[] = [];
  try {
    cpSync(join(root, "examples/playground/convoy"), join(app, "convoy"), { recursive: true });
    // the playground's dev issuer (auth.config.ts) imports jose
    symlinkSync(join(root, "node_modules"), join(app, "node_modules"), "dir");
    const schema = (await import(pathToFileURL(join(app, "convoy/schema.ts")).href)) as { default: Parameters<typeof ensureSchema>[1] };
    const driver = await createPgDriver({ connectionString: db.url, max: 2 });
    await ensureSchema({ driver, databaseUrl: db.url }, schema.default);
    await driver.close();
    const seed = new pg.Client({ connectionString: db.url });
    await seed.connect();
    await seedMessages(seed, 20_000, 100);
    await seed.end();

    const convoy = startCli(["start", "--port", "3791", "--db", db.url, "--skip-schema-check"], app);
    const raw = startScript(join(root, "bench/lib/raw-server.ts"), [db.url, "3792"], root);
    children.push(convoy, raw);
    await Promise.all([convoy.waitFor(/listening on/, 120_000), raw.waitFor(/ready/, 120_000)]);
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
    await Promise.all(children.map((child) => child.stop()));
    rmSync(app, { recursive: true, force: true });
    await db.drop();
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
  await devReloadBench();
}

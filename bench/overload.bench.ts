/**
 * Issue 12 benchmark: a mutation (`items:add`) through `createServer` on Postgres, first at its
 * sustainable rate (closed loop), then offered twice that rate (open loop, autocannon
 * `overallRate`) with admission control on (32 calls in progress) and off, and against the
 * baseline: a raw `node:http` + `pg` server running the same transaction in this process, at
 * the same offered rate: goodput (2xx/s), p99 of all answers, how many were refused with 503,
 * and ratios to the baseline. Then the memory a call in progress costs: heap and RSS growth
 * with 1000 `items:add` calls held in flight (table locked), Convoy vs the raw server.
 */
import { createServer as createHttpServer } from "node:http";
import { spawn } from "node:child_process";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import pg from "pg";
import { newCreationTime, newId } from "../packages/core/src/storage/ids.js";
import type { AddressInfo } from "node:net";
import autocannon from "autocannon";
import { createPgDriver } from "../packages/core/src/driver/index.js";
import { createServer } from "../packages/core/src/http/index.js";
import { createAppRegistry, schema } from "../packages/core/src/http/fixtures/app.js";
import { createRuntime } from "../packages/core/src/runtime/index.js";
import { createBenchDatabase } from "./lib/bench-database.js";

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
// a full collection before each memory reading (the bench runs without --expose-gc)
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const body = (i: number) => JSON.stringify({ args: { name: `n${i}`, qty: i } });

interface Result {
  okPerSecond: number;
  p99: number;
  refused: number;
  errors: number;
}

async function load(url: string, seconds: number, options: { connections: number; overallRate?: number }): Promise<Result> {
  let i = 0;
  const result = await autocannon({
    url: `${url}/api/mutation/items:add`,
    connections: options.connections,
    duration: seconds,
    ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
    method: "POST",
    headers: { "content-type": "application/json" },
    requests: [{ setupRequest: (request) => ({ ...request, body: body(i++) }) }],
  });
  return { okPerSecond: result["2xx"] / seconds, p99: result.latency.p99, refused: result.statusCodeStats?.["503"]?.count ?? 0, errors: result.errors + result.timeouts };
}

async function serve(dbUrl: string, maxConcurrentCalls: number): Promise<{ url: string; close(): Promise<void> }> {
  const driver = await createPgDriver({ connectionString: dbUrl, max: 10 });
  const runtime = await createRuntime({ driver, schema, registry: createAppRegistry(), ensureStorage: { databaseUrl: dbUrl } });
  const server = createServer({ runtime, limits: { maxConcurrentCalls }, connections: { maxConnections: 4096 }, logger: { error: () => undefined } });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await driver.close();
    },
  };
}

/** The baseline: `items:add` as a plain `node:http` + `pg` server would run it (same transaction, retried on conflicts). */
async function serveRaw(dbUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const pool = new pg.Pool({ connectionString: dbUrl, max: 10 });
  pool.on("error", () => undefined);
  const add = async (args: { name: string; qty: number }): Promise<string> => {
    for (;;) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
        const id = newId("items");
        await client.query(`INSERT INTO "public"."items" ("_id", "_creation_time", "data") VALUES ($1, $2, $3::jsonb)`, [id, newCreationTime(), JSON.stringify(args)]);
        await client.query("COMMIT");
        return id;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        if ((error as { code?: string }).code !== "40001") throw error;
      } finally {
        client.release();
      }
    }
  };
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const { args } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { args: { name: string; qty: number } };
      add(args).then(
        (value) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ value })),
        (error: unknown) => res.writeHead(500, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { code: "INTERNAL", message: String(error) } })),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

/** A load generator in its own process: `count` sockets each send one `items:add` and wait. */
const HOLD_CALLS = `
const { connect } = require("node:net");
const [port, count] = process.argv.slice(1).map(Number);
const body = JSON.stringify({ args: { name: "held", qty: 1 } });
for (let i = 0; i < count; i++) {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => undefined);
  socket.write("POST /api/mutation/items:add HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: " + body.length + "\\r\\n\\r\\n" + body);
}
setTimeout(() => process.stdout.write("sent\\n"), 500);
setInterval(() => undefined, 1000);
`;

/**
 * Heap and RSS growth of this process per call in progress: `count` calls of `items:add` held
 * in flight (the table locked by another connection, so they wait on the lock or for a pooled
 * connection), sent by a child process so that only the server's side is measured.
 */
async function memoryPerCall(url: string, dbUrl: string, count: number): Promise<{ rssKiB: number; heapKiB: number }> {
  const { port } = new URL(url);
  const lock = new pg.Client({ connectionString: dbUrl });
  await lock.connect();
  await lock.query(`BEGIN; LOCK TABLE "public"."items" IN ACCESS EXCLUSIVE MODE`);
  gc();
  const before = process.memoryUsage();
  const child = spawn(process.execPath, ["-e", HOLD_CALLS, port, String(count)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  gc();
  const after = process.memoryUsage();
  await lock.query("COMMIT");
  await lock.end();
  child.kill();
  return { rssKiB: (after.rss - before.rss) / 1024 / count, heapKiB: (after.heapUsed - before.heapUsed) / 1024 / count };
}

export async function run(): Promise<void> {
  const db = await createBenchDatabase();
  try {
    const sustainable = await serve(db.url, 1_000_000);
    await load(sustainable.url, 2, { connections: 16 });
    const capacity = await load(sustainable.url, DURATION, { connections: 16 });
    await sustainable.close();
    const rawServer = await serveRaw(db.url);
    await load(rawServer.url, 2, { connections: 16 });
    const rawCapacity = await load(rawServer.url, DURATION, { connections: 16 });
    await rawServer.close();
    const rate = Math.max(1, Math.round(capacity.okPerSecond * 2));
    console.log(
      `\nitems:add sustainable (closed loop, 16 connections): convoy ${capacity.okPerSecond.toFixed(0)} req/s (p99 ${capacity.p99} ms), raw ${rawCapacity.okPerSecond.toFixed(0)} req/s (p99 ${rawCapacity.p99} ms), ratio ${(capacity.okPerSecond / rawCapacity.okPerSecond).toFixed(2)}x`,
    );
    console.log(`offered 2x convoy's sustainable rate: ${rate} req/s from 400 connections for ${DURATION} s`);
    const results: [string, Result][] = [];
    for (const [name, cap] of [
      ["raw node:http + pg", 0],
      ["admission on (32 calls)", 32],
      ["admission off", 1_000_000],
    ] as const) {
      const target = cap === 0 ? await serveRaw(db.url) : await serve(db.url, cap);
      const result = await load(target.url, DURATION, { connections: 400, overallRate: rate });
      await target.close();
      results.push([name, result]);
      const baseline = results[0]![1];
      const ratios = cap === 0 ? "" : `   vs raw: goodput ${(result.okPerSecond / baseline.okPerSecond).toFixed(2)}x, p99 ${(result.p99 / baseline.p99).toFixed(2)}x`;
      console.log(`  ${name.padEnd(24)} goodput ${result.okPerSecond.toFixed(0).padStart(6)} req/s   p99 ${String(result.p99).padStart(6)} ms   503s ${result.refused}   errors ${result.errors}${ratios}`);
    }
    const held = 1000;
    const memory: { rssKiB: number; heapKiB: number }[] = [];
    for (const raw of [true, false]) {
      const target = raw ? await serveRaw(db.url) : await serve(db.url, 1_000_000);
      memory.push(await memoryPerCall(target.url, db.url, held));
      await target.close();
    }
    const [rawMemory, convoyMemory] = memory as [{ rssKiB: number; heapKiB: number }, { rssKiB: number; heapKiB: number }];
    console.log(
      `memory per call in progress (${held} held): convoy ~${convoyMemory.heapKiB.toFixed(1)} KiB heap, ~${convoyMemory.rssKiB.toFixed(1)} KiB RSS; raw ~${rawMemory.heapKiB.toFixed(1)} KiB heap, ~${rawMemory.rssKiB.toFixed(1)} KiB RSS; heap ratio ${(convoyMemory.heapKiB / rawMemory.heapKiB).toFixed(2)}x`,
    );
  } finally {
    await db.drop();
  }
}

/**
 * Issue 12 benchmark: a mutation (`items:add`) through `createServer` on Postgres, first at its
 * sustainable rate (closed loop), then offered twice that rate (open loop, autocannon
 * `overallRate`) with admission control on (32 calls in progress) and off, and against the
 * baseline: a raw `node:http` + `pg` server running the same transaction in this process, at
 * the same offered rate: goodput (2xx/s), p99 of all answers, how many were refused with 503,
 * and ratios to the baseline. Then the memory an admitted call in progress costs: RSS and heap
 * growth while 500 calls wait for their bodies.
 */
import { createServer as createHttpServer } from "node:http";
import { connect, type Socket } from "node:net";
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

/** RSS and heap growth per call while `count` admitted calls wait for the rest of their bodies. */
async function memoryPerCall(url: string, count: number): Promise<{ rssKiB: number; heapKiB: number }> {
  const { port } = new URL(url);
  gc();
  const before = process.memoryUsage();
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect(Number(port), "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write(`POST /api/mutation/items:add HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{"args":`);
    sockets.push(socket);
  }
  await new Promise((r) => setTimeout(r, 1000));
  gc();
  const after = process.memoryUsage();
  for (const socket of sockets) socket.destroy();
  // both ends of each socket live in this process: half the growth is the server's
  return { rssKiB: (after.rss - before.rss) / 1024 / count / 2, heapKiB: (after.heapUsed - before.heapUsed) / 1024 / count / 2 };
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
      const memory = cap === 1_000_000 ? await memoryPerCall(target.url, 1000) : undefined;
      await target.close();
      results.push([name, result]);
      const baseline = results[0]![1];
      const ratios = cap === 0 ? "" : `   vs raw: goodput ${(result.okPerSecond / baseline.okPerSecond).toFixed(2)}x, p99 ${(result.p99 / baseline.p99).toFixed(2)}x`;
      console.log(`  ${name.padEnd(24)} goodput ${result.okPerSecond.toFixed(0).padStart(6)} req/s   p99 ${String(result.p99).padStart(6)} ms   503s ${result.refused}   errors ${result.errors}${ratios}`);
      if (memory !== undefined) console.log(`  memory per admitted call in progress (1000 waiting for their bodies): ~${memory.rssKiB.toFixed(1)} KiB RSS, ~${memory.heapKiB.toFixed(1)} KiB heap`);
    }
  } finally {
    await db.drop();
  }
}

/**
 * Issue 12 benchmark: a mutation (`items:add`) through `createServer` on Postgres, first at its
 * sustainable rate (closed loop), then offered twice that rate (open loop, autocannon
 * `overallRate`) with admission control on (32 calls in progress) and off: goodput (2xx/s),
 * p99 of all answers, and how many were refused with 503. Then the memory an admitted call
 * in progress costs: RSS and heap growth while 500 calls wait for their bodies.
 */
import { connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import autocannon from "autocannon";
import { createPgDriver } from "../packages/core/src/driver/index.js";
import { createServer } from "../packages/core/src/http/index.js";
import { createAppRuntime } from "../packages/core/src/http/fixtures/test-server.js";
import { createBenchDatabase } from "./lib/bench-database.js";

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
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
  const server = createServer({ runtime: await createAppRuntime(driver), limits: { maxConcurrentCalls }, connections: { maxConnections: 4096 }, logger: { error: () => undefined } });
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

/** RSS and heap growth per call while `count` admitted calls wait for the rest of their bodies. */
async function memoryPerCall(url: string, count: number): Promise<{ rssKiB: number; heapKiB: number }> {
  const { port } = new URL(url);
  global.gc?.();
  const before = process.memoryUsage();
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i++) {
    const socket = connect(Number(port), "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write(`POST /api/mutation/items:add HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{"args":`);
    sockets.push(socket);
  }
  await new Promise((r) => setTimeout(r, 1000));
  global.gc?.();
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
    const rate = Math.max(1, Math.round(capacity.okPerSecond * 2));
    console.log(`\nitems:add sustainable: ${capacity.okPerSecond.toFixed(0)} req/s (16 connections, p99 ${capacity.p99} ms); offered 2x: ${rate} req/s, 400 connections, ${DURATION} s`);
    for (const [name, cap] of [
      ["admission on (32 calls)", 32],
      ["admission off", 1_000_000],
    ] as const) {
      const target = await serve(db.url, cap);
      const result = await load(target.url, DURATION, { connections: 400, overallRate: rate });
      const memory = cap === 32 ? undefined : await memoryPerCall(target.url, 500);
      await target.close();
      console.log(
        `  ${name.padEnd(24)} goodput ${result.okPerSecond.toFixed(0).padStart(6)} req/s   p99 ${String(result.p99).padStart(6)} ms   503s ${result.refused}   errors ${result.errors}`,
      );
      if (memory !== undefined) console.log(`  memory per call in progress (500 waiting for their bodies): ~${memory.rssKiB.toFixed(1)} KiB RSS, ~${memory.heapKiB.toFixed(1)} KiB heap`);
    }
  } finally {
    await db.drop();
  }
}

/**
 * Live queries (`npm run bench -- realtime`), on the real server, subscribers in a child process
 * (their sockets would not fit next to the server's in one process's file descriptors):
 * 1. fan-out: commit → the last of 10,000 subscribers of ONE query has the push (target p99 <
 *    25 ms), against the naive baseline: after a raw INSERT commits, a SELECT of the rows and a
 *    raw `ws` server that `JSON.stringify`s and sends the payload to each of 10,000 sockets;
 * 2. precision: one of 10,000 DISTINCT subscriptions invalidated → commit → its subscriber has
 *    the push (target p99 < 10 ms), against a raw baseline: after a raw INSERT commits, a SELECT
 *    of that author's rows and `ws.send` to one socket.
 * "Commit" is when the mutation's call returned (Convoy) or the INSERT returned (raw): the
 * clock starts after the write in both, so the mutation's own cost is not in the numbers;
 * 3. memory per idle subscription (engine side, no sockets), against a plain Map of the same
 *    subscriptions.
 */
import { fork, type ChildProcess } from "node:child_process";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import pg from "pg";
import { WebSocketServer, type WebSocket } from "ws";
import { createPgDriver } from "../packages/core/src/driver/index.js";
import { createServer } from "../packages/core/src/http/index.js";
import { RealtimeEngine } from "../packages/core/src/realtime/index.js";
import { createLiveRegistry, schema } from "../packages/core/src/realtime/fixtures/live-app.js";
import { createRuntime } from "../packages/core/src/runtime/index.js";
import { createBenchDatabase } from "./lib/bench-database.js";
import { percentile } from "./lib/stats.js";

const SUBSCRIBERS = Number(process.env.BENCH_REALTIME_SUBSCRIBERS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_REALTIME_ROUNDS ?? 50);

type Reply = { ready?: true; armed?: number; done?: number; closed?: true };

class Clients {
  private readonly child: ChildProcess;
  private waiting: { match: (reply: Reply) => boolean; resolve: () => void }[] = [];

  constructor() {
    this.child = fork(new URL("./lib/sync-clients.ts", import.meta.url).pathname, { execArgv: ["--import", "tsx"] });
    this.child.on("message", (reply: Reply) => {
      const found = this.waiting.findIndex((waiter) => waiter.match(reply));
      if (found !== -1) this.waiting.splice(found, 1)[0]!.resolve();
    });
  }

  private ask(command: object, match: (reply: Reply) => boolean): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push({ match, resolve });
      this.child.send(command);
    });
  }

  open(url: string, sockets: number, perSocket: number, shared: boolean, raw = false): Promise<void> {
    return this.ask({ cmd: "open", url, sockets, perSocket, shared, raw }, (r) => r.ready === true);
  }

  /** Arms round `round`; resolves with a promise of its completion (wrapped: an async function would adopt it). */
  async arm(round: number, target?: [number, number]): Promise<{ done: Promise<void> }> {
    let done!: Promise<void>;
    await new Promise<void>((armed) => {
      done = new Promise<void>((resolve) => this.waiting.push({ match: (r) => r.done === round, resolve }));
      this.waiting.push({ match: (r) => r.armed === round, resolve: armed });
      this.child.send({ cmd: "arm", round, ...(target === undefined ? {} : { target }) });
    });
    return { done };
  }

  close(): Promise<void> {
    return this.ask({ cmd: "close" }, (r) => r.closed === true);
  }

  exit(): void {
    this.child.kill();
  }
}

function line(name: string, samples: number[]): { p50: number; p99: number } {
  samples.sort((a, b) => a - b);
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  console.log(`  ${name.padEnd(44)} p50 ${p50.toFixed(2).padStart(8)} ms   p99 ${p99.toFixed(2).padStart(8)} ms   (${samples.length} rounds)`);
  return { p50, p99 };
}

function heapUsed(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export async function run(): Promise<void> {
  const db = await createBenchDatabase();
  const driver = await createPgDriver({ connectionString: db.url, max: 8 });
  const runtime = await createRuntime({ driver, schema, registry: createLiveRegistry(), ensureStorage: { databaseUrl: db.url } });
  const engine = new RealtimeEngine({ runtime });
  const server = createServer({ runtime, realtime: { engine, runtime }, connections: { maxConnections: SUBSCRIBERS + 100 } });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const wsUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/sync`;
  const clients = new Clients();
  const raw = new pg.Pool({ connectionString: db.url, max: 8 });
  let round = 0;
  try {
    // memory per idle subscription (first: before the socket phases leave garbage behind)
    const count = 10_000;
    const before = heapUsed();
    const memoryEngine = new RealtimeEngine({ runtime: () => runtime });
    const idle = Array.from({ length: 10 }, () => memoryEngine.connect({ transition: () => undefined }));
    for (let i = 0; i < count; i++) idle[i % 10]!.subscribe(i, "messages:byAuthor", { author: `idle-${i}` });
    await memoryEngine.synced(memoryEngine.version);
    const engineBytes = heapUsed() - before;
    const plainBefore = heapUsed();
    const plain = new Map<number, { name: string; args: Record<string, string> }>();
    for (let i = 0; i < count; i++) plain.set(i, { name: "messages:byAuthor", args: { author: `idle-${i}` } });
    const plainBytes = heapUsed() - plainBefore;
    console.log(`\nmemory per idle subscription (${count} distinct, first results in): convoy ${(engineBytes / count).toFixed(0)} bytes; a plain Map of (name, args) ${(plainBytes / count).toFixed(0)} bytes; ratio ${(engineBytes / plainBytes).toFixed(1)}x`);
    memoryEngine.close();
    plain.clear();

    // 1. fan-out to the subscribers of one query
    await clients.open(wsUrl, SUBSCRIBERS, 1, true);
    const convoyFan: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const { done } = await clients.arm(++round);
      await runtime.run("mutation", "messages:send", { author: "fan", body: `m${i}` });
      // committed (the publication ran in the after-commit hook; the cycle starts after this)
      const committed = performance.now();
      await done;
      convoyFan.push(performance.now() - committed);
    }
    await clients.close();

    const rawServer = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
    const rawSockets: WebSocket[] = [];
    rawServer.on("connection", (socket) => rawSockets.push(socket));
    await new Promise<void>((resolve) => rawServer.once("listening", resolve));
    await clients.open(`ws://127.0.0.1:${(rawServer.address() as AddressInfo).port}`, SUBSCRIBERS, 1, true, true);
    while (rawSockets.length < SUBSCRIBERS) await new Promise((resolve) => setTimeout(resolve, 10));
    const rawFan: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const { done } = await clients.arm(++round);
      await raw.query("INSERT INTO messages (_id, _creation_time, data) VALUES ($1, $2, $3)", [`raw${i}`, Date.now(), { author: "fan", body: `r${i}` }]);
      const t0 = performance.now();
      const { rows } = await raw.query<{ doc: { body: string } }>("SELECT data AS doc FROM messages WHERE data->>'author' = 'fan'");
      const payload = { type: "transition", version: String(i), results: [{ queryId: 0, value: rows.map((r) => r.doc.body) }] };
      for (const socket of rawSockets) socket.send(JSON.stringify(payload));
      await done;
      rawFan.push(performance.now() - t0);
    }
    await clients.close();
    rawServer.close();
    console.log(`\ncommit → last of ${SUBSCRIBERS} subscribers of one query (target p99 < 25 ms)`);
    const rawFanStats = line("raw: pg + JSON.stringify + ws.send per client", rawFan);
    const convoyFanStats = line("convoy: engine, one run, one shared frame", convoyFan);
    console.log(`  ratio convoy/raw: ${(convoyFanStats.p50 / rawFanStats.p50).toFixed(2)}x p50, ${(convoyFanStats.p99 / rawFanStats.p99).toFixed(2)}x p99`);

    // 2. one of 10,000 distinct subscriptions invalidated; Convoy and raw rounds alternate
    // (same load on the shared machine), socket i < socketCount Convoy's, the next ones raw
    const perSocket = 1000;
    const socketCount = Math.ceil(SUBSCRIBERS / perSocket);
    const rerunsBefore = engine.stats.reruns;
    await clients.open(wsUrl, socketCount, perSocket, false);
    const oneServer = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
    const oneSockets: WebSocket[] = [];
    let oneConnected = 0;
    oneServer.on("connection", (socket) => socket.once("message", (data: Buffer) => {
      oneSockets[Number(data.toString()) - socketCount] = socket;
      oneConnected++;
    }));
    await new Promise<void>((resolve) => oneServer.once("listening", resolve));
    await clients.open(`ws://127.0.0.1:${(oneServer.address() as AddressInfo).port}`, socketCount, 0, false, true);
    while (oneConnected < socketCount) await new Promise((resolve) => setTimeout(resolve, 10));
    const convoyOne: number[] = [];
    const rawOne: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const author = (i * 7919) % (socketCount * perSocket);
      const target = Math.floor(author / perSocket);
      const convoyDone = (await clients.arm(++round, [target, author % perSocket])).done;
      await runtime.run("mutation", "messages:send", { author: `author-${author}`, body: `d${i}` });
      let t0 = performance.now();
      await convoyDone;
      convoyOne.push(performance.now() - t0);

      // the raw sockets were opened after Convoy's: their indexes follow
      const rawDone = (await clients.arm(++round, [socketCount + target, author % perSocket])).done;
      await raw.query("INSERT INTO messages (_id, _creation_time, data) VALUES ($1, $2, $3)", [`one${i}`, Date.now(), { author: `author-${author}`, body: `o${i}` }]);
      t0 = performance.now();
      const { rows } = await raw.query<{ doc: { body: string } }>("SELECT data AS doc FROM messages WHERE data->>'author' = $1", [`author-${author}`]);
      oneSockets[target]!.send(JSON.stringify({ type: "transition", version: String(i), results: [{ queryId: author % perSocket, value: rows.map((r) => r.doc.body) }] }));
      await rawDone;
      rawOne.push(performance.now() - t0);
    }
    const reruns = engine.stats.reruns - rerunsBefore;
    await clients.close();
    oneServer.close();
    console.log(`\ncommit → the subscriber of 1 of ${socketCount * perSocket} distinct subscriptions (target p99 < 10 ms; rounds alternate)`);
    const rawOneStats = line("raw: pg SELECT + one ws.send", rawOne);
    const convoyOneStats = line("convoy: match, one re-run, one push", convoyOne);
    console.log(`  ratio convoy/raw: ${(convoyOneStats.p50 / rawOneStats.p50).toFixed(2)}x p50, ${(convoyOneStats.p99 / rawOneStats.p99).toFixed(2)}x p99; re-runs: ${reruns} for ${ROUNDS} writes`);

  } finally {
    clients.exit();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    engine.close();
    await raw.end();
    await driver.close();
    await db.drop();
  }
}

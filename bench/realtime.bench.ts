/**
 * Live queries (`npm run bench -- realtime`), on the real server, subscribers in child processes
 * (a process has 20,000 file descriptors; each side needs its own), the baselines' server in a
 * child process of its own so that Convoy and baseline rounds alternate (same machine load):
 * 1. fan-out: commit → the last of 10,000 subscribers of ONE query has the push (target p99 <
 *    25 ms), against (a) the naive baseline: after a raw INSERT commits, a SELECT of the rows and
 *    `JSON.stringify` + `ws.send` per socket, and (b) the floor: no database, one pre-framed
 *    frame written to each of 10,000 `net` sockets;
 * 2. precision: one of 10,000 DISTINCT subscriptions invalidated → commit → its subscriber has
 *    the push (target p99 < 10 ms), against a raw baseline: after a raw INSERT commits, a SELECT
 *    of that author's rows and `ws.send` to one socket;
 * 3. authorized fan-out: every subscriber has its own identity (a token per socket) on one query
 *    under a table read rule (the rules fixture's filter rule: public notes or your own); a public
 *    note changes every result → one run and one push per subscriber; pushes per second, against
 *    a hand-written server running the same SELECT per user over as many connections;
 * 4. memory per idle subscription (engine side, no sockets), against a plain Map of the same
 *    subscriptions.
 * "Commit" is when the mutation's call returned (Convoy) or the INSERT returned (raw): the clock
 * starts after the write on both sides. Arrival is stamped by the subscriber process with
 * `process.hrtime.bigint()` (CLOCK_MONOTONIC, shared by the processes): no IPC in the numbers.
 */
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import pg from "pg";
import { WebSocketServer, type WebSocket } from "ws";
import { identityFromTestClaims } from "../packages/core/src/auth/user-identity.js";
import { createPgDriver } from "../packages/core/src/driver/index.js";
import { FrameworkError } from "../packages/core/src/errors/framework-error.js";
import { createServer } from "../packages/core/src/http/index.js";
import { RealtimeEngine } from "../packages/core/src/realtime/index.js";
import { createLiveRegistry, schema } from "../packages/core/src/realtime/fixtures/live-app.js";
import { createRuntime } from "../packages/core/src/runtime/index.js";
import { filterRules, registry as rulesRegistry, schema as rulesSchema } from "../packages/core/test/rules/rules-fixture.js";
import { BenchChild, SubscriberProcess } from "./lib/bench-child.js";
import { createBenchDatabase } from "./lib/bench-database.js";
import { percentile } from "./lib/stats.js";

const SUBSCRIBERS = Number(process.env.BENCH_REALTIME_SUBSCRIBERS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_REALTIME_ROUNDS ?? 50);
const AUTH_SUBSCRIBERS = Number(process.env.BENCH_REALTIME_AUTH_SUBSCRIBERS ?? 10_000);
const AUTH_ROUNDS = Number(process.env.BENCH_REALTIME_AUTH_ROUNDS ?? 8);

const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6;

function line(name: string, samples: number[]): { p50: number; p99: number } {
  samples.sort((a, b) => a - b);
  const p50 = percentile(samples, 50);
  const p99 = percentile(samples, 99);
  console.log(`  ${name.padEnd(52)} p50 ${p50.toFixed(2).padStart(8)} ms   p99 ${p99.toFixed(2).padStart(8)} ms   (${samples.length} rounds)`);
  return { p50, p99 };
}

function heapUsed(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Tokens `tok:<subject>` are that subject (a stand-in verifier: tokens are checked once per socket, not per push). */
const verifyToken = (token: string) =>
  token.startsWith("tok:") ? Promise.resolve(identityFromTestClaims({ subject: token.slice(4) })) : Promise.reject(new FrameworkError("UNAUTHENTICATED", "bad token"));

export async function run(): Promise<void> {
  const db = await createBenchDatabase();
  const notesDb = await createBenchDatabase();
  const driver = await createPgDriver({ connectionString: db.url, max: 8 });
  const notesDriver = await createPgDriver({ connectionString: notesDb.url, max: 8 });
  const runtime = await createRuntime({ driver, schema, registry: createLiveRegistry(), ensureStorage: { databaseUrl: db.url } });
  const engine = new RealtimeEngine({ runtime });
  const server = createServer({ runtime, realtime: { engine, runtime }, connections: { maxConnections: SUBSCRIBERS + 100 } });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const wsUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/sync`;
  const rulesRuntime = await createRuntime({ driver: notesDriver, schema: rulesSchema, registry: rulesRegistry, rules: filterRules, ensureStorage: { databaseUrl: notesDb.url } });
  const rulesEngine = new RealtimeEngine({ runtime: rulesRuntime });
  const rulesServer = createServer({ runtime: rulesRuntime, realtime: { engine: rulesEngine, runtime: rulesRuntime }, verifyToken, connections: { maxConnections: AUTH_SUBSCRIBERS + 100 } });
  await new Promise<void>((resolve) => rulesServer.listen(0, "127.0.0.1", resolve));
  const rulesUrl = `ws://127.0.0.1:${(rulesServer.address() as AddressInfo).port}/api/sync`;

  const clients = new SubscriberProcess();
  const rawClients = new SubscriberProcess();
  const rawServer = new BenchChild("./raw-fanout-server.ts", [db.url, notesDb.url]);
  const rawUrl = `ws://127.0.0.1:${(await rawServer.ask({ cmd: "listen" }, (r) => r.port !== undefined)).port!}`;
  const raw = new pg.Pool({ connectionString: db.url, max: 8 });
  let round = 0;
  /** One raw round: arm the raw subscribers, let the raw server do `mode`, its commit → last arrival. */
  const rawRound = async (mode: string, target?: [number, number]): Promise<number> => {
    const { done } = await rawClients.arm(++round, target);
    const { t0 } = await rawServer.ask({ cmd: "round", mode, round }, (r) => r.t0 !== undefined);
    return ms(BigInt(t0!), await done);
  };
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

    // 1. fan-out to the subscribers of one query; Convoy, naive and floor rounds alternate
    await clients.open(wsUrl, SUBSCRIBERS, 1, "shared");
    await rawClients.open(rawUrl, SUBSCRIBERS, 0, "shared", true);
    await rawServer.ask({ cmd: "await", sockets: SUBSCRIBERS }, (r) => r.connected !== undefined);
    const fan = { convoy: [] as number[], naive: [] as number[], floor: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      const { done } = await clients.arm(++round);
      await runtime.run("mutation", "messages:send", { author: "fan", body: `m${i}` });
      // committed (the publication ran in the after-commit hook; the cycle starts after this)
      const committed = process.hrtime.bigint();
      fan.convoy.push(ms(committed, await done));
      fan.naive.push(await rawRound("naive"));
      fan.floor.push(await rawRound("floor"));
    }
    await clients.close();
    await rawClients.close();
    await rawServer.ask({ cmd: "drop" }, (r) => r.dropped === true);
    console.log(`\ncommit → last of ${SUBSCRIBERS} subscribers of one query (target p99 < 25 ms; rounds alternate)`);
    line("floor: no database, one pre-framed net write per socket", fan.floor);
    const rawFanStats = line("naive: pg + JSON.stringify + ws.send per client", fan.naive);
    const convoyFanStats = line("convoy: engine, one run, one shared frame", fan.convoy);
    console.log(`  ratio convoy/naive: ${(convoyFanStats.p50 / rawFanStats.p50).toFixed(2)}x p50, ${(convoyFanStats.p99 / rawFanStats.p99).toFixed(2)}x p99`);

    // 2. one of 10,000 distinct subscriptions invalidated; Convoy and raw rounds alternate
    // (same load on the shared machine), socket i < socketCount Convoy's, the next ones raw
    const perSocket = 1000;
    const socketCount = Math.ceil(SUBSCRIBERS / perSocket);
    const rerunsBefore = engine.stats.reruns;
    await clients.open(wsUrl, socketCount, perSocket, "distinct");
    const oneServer = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
    const oneSockets: WebSocket[] = [];
    let oneConnected = 0;
    oneServer.on("connection", (socket) => socket.once("message", (data: Buffer) => {
      oneSockets[Number(data.toString()) - socketCount] = socket;
      oneConnected++;
    }));
    await new Promise<void>((resolve) => oneServer.once("listening", resolve));
    await clients.open(`ws://127.0.0.1:${(oneServer.address() as AddressInfo).port}`, socketCount, 0, "distinct", true);
    while (oneConnected < socketCount) await new Promise((resolve) => setTimeout(resolve, 10));
    const convoyOne: number[] = [];
    const rawOne: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const author = (i * 7919) % (socketCount * perSocket);
      const target = Math.floor(author / perSocket);
      const convoyDone = (await clients.arm(++round, [target, author % perSocket])).done;
      await runtime.run("mutation", "messages:send", { author: `author-${author}`, body: `d${i}` });
      const committed = process.hrtime.bigint();
      convoyOne.push(ms(committed, await convoyDone));

      // the raw sockets were opened after Convoy's: their indexes follow
      const rawDone = (await clients.arm(++round, [socketCount + target, author % perSocket])).done;
      await raw.query("INSERT INTO messages (_id, _creation_time, data) VALUES ($1, $2, $3)", [`one${i}`, Date.now(), { author: `author-${author}`, body: `o${i}` }]);
      const t0 = process.hrtime.bigint();
      const { rows } = await raw.query<{ doc: { body: string } }>("SELECT data AS doc FROM messages WHERE data->>'author' = $1", [`author-${author}`]);
      oneSockets[target]!.send(JSON.stringify({ type: "transition", version: String(i), results: [{ queryId: author % perSocket, value: rows.map((r) => r.doc.body) }] }));
      rawOne.push(ms(t0, await rawDone));
    }
    const reruns = engine.stats.reruns - rerunsBefore;
    await clients.close();
    oneServer.close();
    console.log(`\ncommit → the subscriber of 1 of ${socketCount * perSocket} distinct subscriptions (target p99 < 10 ms; rounds alternate)`);
    const rawOneStats = line("raw: pg SELECT + one ws.send", rawOne);
    const convoyOneStats = line("convoy: match, one re-run, one push", convoyOne);
    console.log(`  ratio convoy/raw: ${(convoyOneStats.p50 / rawOneStats.p50).toFixed(2)}x p50, ${(convoyOneStats.p99 / rawOneStats.p99).toFixed(2)}x p99; re-runs: ${reruns} for ${ROUNDS} writes`);

    // 3. authorized fan-out: a token (an identity) per subscriber, a read rule, one query
    const writer = identityFromTestClaims({ subject: "writer" });
    for (let i = 0; i < 20; i++) await rulesRuntime.run("mutation", "notes:insert", { owner: "writer", public: i % 2 === 0, rank: i, body: `seed${i}` }, { identity: writer });
    await clients.open(rulesUrl, AUTH_SUBSCRIBERS, 1, "identity");
    await rawClients.open(rawUrl, AUTH_SUBSCRIBERS, 0, "identity", true);
    await rawServer.ask({ cmd: "await", sockets: AUTH_SUBSCRIBERS }, (r) => r.connected !== undefined);
    const authorized = { convoy: [] as number[], raw: [] as number[] };
    const rulesRerunsBefore = rulesEngine.stats.reruns;
    for (let i = 0; i < AUTH_ROUNDS; i++) {
      const { done } = await clients.arm(++round);
      await rulesRuntime.run("mutation", "notes:insert", { owner: "writer", public: true, rank: -i - 1, body: `a${i}` }, { identity: writer });
      const committed = process.hrtime.bigint();
      authorized.convoy.push(ms(committed, await done));
      authorized.raw.push(await rawRound("authorized"));
    }
    const rulesReruns = rulesEngine.stats.reruns - rulesRerunsBefore;
    await clients.close();
    await rawClients.close();
    const rate = (samples: number[]) => samples.map((msToLast) => (AUTH_SUBSCRIBERS / msToLast) * 1000).sort((a, b) => a - b);
    const rateLine = (name: string, samples: number[]) => {
      const rates = rate(samples);
      const median = percentile(rates, 50);
      console.log(`  ${name.padEnd(52)} ${median.toFixed(0).padStart(7)} pushes/s (range ${rates[0]!.toFixed(0)}–${rates.at(-1)!.toFixed(0)}; commit → last: p50 ${percentile([...samples].sort((a, b) => a - b), 50).toFixed(0)} ms)`);
      return median;
    };
    console.log(`\nauthorized fan-out: ${AUTH_SUBSCRIBERS} subscribers, each its own identity, a read rule; one write changes every result (Supabase with RLS: ~3,000/s)`);
    const rawRate = rateLine("raw: the rule's SELECT per user + ws.send, 8 connections", authorized.raw);
    const convoyRate = rateLine("convoy: one run per identity, one push each", authorized.convoy);
    console.log(`  ratio convoy/raw: ${(convoyRate / rawRate).toFixed(2)}x; re-runs: ${rulesReruns} for ${AUTH_ROUNDS} writes × ${AUTH_SUBSCRIBERS} identities`);
  } finally {
    clients.exit();
    rawClients.exit();
    rawServer.exit();
    for (const s of [server, rulesServer]) {
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    }
    engine.close();
    rulesEngine.close();
    await raw.end();
    await driver.close();
    await notesDriver.close();
    await db.drop();
    await notesDb.drop();
  }
}

/**
 * Many servers and external writes (`npm run bench -- scale`), on the real server:
 * 1. cross-server invalidation: a mutation commits through server A → the push reaches a
 *    subscriber on server B, p50/p99, through Postgres LISTEN/NOTIFY, Redis and NATS, against
 *    the local path (the same write through B itself). The clock starts when the mutation
 *    returned (commit), as in realtime.bench.ts. Rounds interleave the transports.
 * 2. the cost of the external-write triggers: a bulk INSERT of 10,000 rows by a plain SQL
 *    client, and 500 single-row INSERTs, with the triggers enabled and disabled (interleaved),
 *    as rows/s and their ratio.
 * 3. commit → last of 10,000 subscribers spread over three server processes, per bus, against
 *    one server holding them all (bench/lib/scale-fanout.ts);
 * 4. invalidations/s one server processes, through each bus and locally
 *    (bench/lib/scale-invalidations.ts).
 * `BENCH_SCALE_PARTS=3,4` runs only those parts; sizes: the `BENCH_SCALE_*` variables below and
 * in those files.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createPgDriver, type Driver } from "../packages/core/src/driver/index.js";
import { createLiveRegistry, schema } from "../packages/core/src/realtime/fixtures/live-app.js";
import { LiveSink } from "../packages/core/src/realtime/fixtures/live-sink.js";
import { RealtimeEngine } from "../packages/core/src/realtime/index.js";
import { createNatsPubSub, createPostgresPubSub, createRedisPubSub, ServerFanout, type PubSubAdapter } from "../packages/core/src/realtime/pubsub/index.js";
import { createRuntime, type Runtime } from "../packages/core/src/runtime/index.js";
import { newId } from "../packages/core/src/storage/ids.js";
import { createBenchDatabase } from "./lib/bench-database.js";
import { runMultiServerFanout } from "./lib/scale-fanout.js";
import { runInvalidationRate } from "./lib/scale-invalidations.js";
import { percentile } from "./lib/stats.js";

const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 100);
const BULK_ROWS = 10_000;
const SINGLE_ROWS = 500;
const TRIGGER_ROUNDS = Number(process.env.BENCH_SCALE_TRIGGER_ROUNDS ?? 3);
const PARTS = new Set((process.env.BENCH_SCALE_PARTS ?? "1,2,3,4").split(",").map((part) => part.trim()));

interface Server {
  runtime: Runtime;
  engine: RealtimeEngine;
  fanout: ServerFanout;
  driver: Driver;
}

async function startServer(url: string, id: string, transport: PubSubAdapter): Promise<Server> {
  const driver = await createPgDriver({ connectionString: url, max: 4 });
  const runtime = await createRuntime({ driver, schema, registry: createLiveRegistry(), origin: id });
  const engine = new RealtimeEngine({ runtime: () => runtime });
  const fanout = await ServerFanout.start({ engine, transport, serverId: id });
  runtime.onCommit(({ writes }) => fanout.publish(writes));
  return { runtime, engine, fanout, driver };
}

const fmt = (ms: number) => ms.toFixed(2);

export async function run(): Promise<void> {
  const db = await createBenchDatabase();
  const servers: Server[] = [];
  try {
    const setup = await createPgDriver({ connectionString: db.url, max: 1 });
    await createRuntime({ driver: setup, schema, registry: createLiveRegistry(), ensureStorage: { databaseUrl: db.url } });
    if (PARTS.has("1")) {
      const channel = `convoy-bench-${randomBytes(4).toString("hex")}`;
      const transports: Record<string, () => PubSubAdapter> = {
        postgres: () => createPostgresPubSub({ driver: setup, channel: `${channel}-pg`, databaseUrl: db.url }),
        redis: () => createRedisPubSub({ url: "redis://127.0.0.1:6379", channel: `${channel}-redis` }),
        nats: () => createNatsPubSub({ url: "nats://127.0.0.1:4222", channel: `${channel}-nats` }),
      };
      const pairs: { name: string; writer: Server; reader: Server }[] = [];
      for (const [name, make] of Object.entries(transports)) {
        const reader = await startServer(db.url, `${name}B`, make());
        const writer = await startServer(db.url, `${name}A`, make());
        servers.push(reader, writer);
        pairs.push({ name, writer, reader });
      }
      // the local path: the write through the subscriber's own server
      pairs.unshift({ name: "local", writer: pairs[0]!.reader, reader: pairs[0]!.reader });

      const samples = new Map<string, number[]>(pairs.map((pair) => [pair.name, []]));
      const sinks = pairs.map((pair, i) => {
        const sink = new LiveSink();
        pair.reader.engine.connect(sink).subscribe(1, "messages:byAuthor", { author: `author-${String(i)}` });
        return sink;
      });
      for (const sink of sinks) await sink.until(() => sink.latest(1) !== undefined);
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, pair] of pairs.entries()) {
          const sink = sinks[i]!;
          const want = round + 1;
          await pair.writer.runtime.run("mutation", "messages:send", { author: `author-${String(i)}`, body: `b${String(round)}` });
          const committed = performance.now();
          await sink.until(() => (sink.latest(1) as unknown[]).length === want);
          samples.get(pair.name)!.push(performance.now() - committed);
        }
      }
      console.log(`cross-server invalidation: commit on A → push on B (${String(ROUNDS)} rounds, interleaved)`);
      const local = [...samples.get("local")!].sort((a, b) => a - b);
      for (const [name, list] of samples) {
        const sorted = [...list].sort((a, b) => a - b);
        const p50 = percentile(sorted, 50);
        const p99 = percentile(sorted, 99);
        console.log(
          `  ${name.padEnd(9)} p50 ${fmt(p50)} ms  p99 ${fmt(p99)} ms` +
            (name === "local" ? "" : `  (×${(p50 / percentile(local, 50)).toFixed(2)} p50, ×${(p99 / percentile(local, 99)).toFixed(2)} p99 of local)`),
        );
      }
    }

    if (PARTS.has("2")) {
      // 2. trigger cost, by a plain SQL client
      const raw = new pg.Client({ connectionString: db.url });
      await raw.connect();
      const rate = { on: [] as number[], off: [] as number[], singleOn: [] as number[], singleOff: [] as number[] };
      for (let round = 0; round < TRIGGER_ROUNDS; round++) {
        for (const enabled of round % 2 === 0 ? [true, false] : [false, true]) {
          await raw.query(`ALTER TABLE "messages" ${enabled ? "ENABLE" : "DISABLE"} TRIGGER USER`);
          const ids = Array.from({ length: BULK_ROWS }, () => newId("messages"));
          let started = performance.now();
          await raw.query(
            `INSERT INTO "messages" ("_id", "_creation_time", "data")
             SELECT t.id, $2::float8 + t.n, jsonb_build_object('author', 'bulk-' || (t.n % 100), 'body', 'x')
             FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS t(id, n)`,
            [JSON.stringify(ids), Date.now()],
          );
          (enabled ? rate.on : rate.off).push(BULK_ROWS / ((performance.now() - started) / 1000));
          started = performance.now();
          for (let i = 0; i < SINGLE_ROWS; i++) {
            await raw.query(`INSERT INTO "messages" ("_id", "_creation_time", "data") VALUES ($1, $2, $3::jsonb)`, [newId("messages"), Date.now() + i / 1000, { author: `single-${String(i % 10)}`, body: "y" }]);
          }
          (enabled ? rate.singleOn : rate.singleOff).push(SINGLE_ROWS / ((performance.now() - started) / 1000));
          await raw.query(`DELETE FROM "messages" WHERE "data"->>'author' LIKE 'bulk-%' OR "data"->>'author' LIKE 'single-%'`);
        }
      }
      await raw.query(`ALTER TABLE "messages" ENABLE TRIGGER USER`);
      await raw.end();
      const range = (list: number[]) => `${Math.min(...list).toFixed(0)}–${Math.max(...list).toFixed(0)}`;
      const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
      console.log(`external-write triggers (${String(TRIGGER_ROUNDS)} interleaved rounds, rows/s as min–max)`);
      console.log(`  bulk INSERT of ${String(BULK_ROWS)}: with ${range(rate.on)}, without ${range(rate.off)}  (median ratio ×${(median(rate.on) / median(rate.off)).toFixed(2)})`);
      console.log(`  ${String(SINGLE_ROWS)} single-row INSERTs: with ${range(rate.singleOn)}, without ${range(rate.singleOff)}  (median ratio ×${(median(rate.singleOn) / median(rate.singleOff)).toFixed(2)})`);
    }
    for (const server of servers) {
      server.engine.close();
      await server.fanout.close();
      await server.driver.close();
    }
    await setup.close();
    if (PARTS.has("3")) await runMultiServerFanout(db.url);
    if (PARTS.has("4")) await runInvalidationRate(db.url);
  } finally {
    await db.drop();
  }
}

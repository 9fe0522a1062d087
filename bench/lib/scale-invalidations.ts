/**
 * `scale.bench.ts`, part 4: invalidations per second one server can process. An engine holds
 * S distinct subscriptions (`messages:byAuthor`, one author each, first results in); N write
 * sets, captured from N real `messages:send` commits (one per author, each overlapping exactly
 * one subscription), are published to it:
 * - `local`: the baseline, `engine.publish(writes)` as the runtime's `onCommit` does;
 * - `in-process bus`: encoded and sent by a ServerFanout, received by the server's ServerFanout
 *   through an in-memory adapter (decode + match + apply, no network);
 * - `postgres` / `redis` / `nats`: the same through the real bus, from a second connection
 *   (the sender runs in this process too, so its client-side cost counts against the rate).
 * Per round: the time until all N are matched and applied (the engine has them), and until the
 * re-runs they caused are done (`synced`); the re-runs counted. Rounds interleave the paths.
 */
import { randomBytes } from "node:crypto";
import { createPgDriver } from "../../packages/core/src/driver/index.js";
import { createLiveRegistry, schema } from "../../packages/core/src/realtime/fixtures/live-app.js";
import { RealtimeEngine } from "../../packages/core/src/realtime/index.js";
import { createNatsPubSub, createPostgresPubSub, createRedisPubSub, ServerFanout, type PubSubAdapter } from "../../packages/core/src/realtime/pubsub/index.js";
import type { WriteRecord } from "../../packages/core/src/reactivity/records.js";
import { createRuntime } from "../../packages/core/src/runtime/index.js";

const SUBSCRIPTIONS = Number(process.env.BENCH_SCALE_INVALIDATION_SUBSCRIPTIONS ?? 10_000);
const WRITES = Number(process.env.BENCH_SCALE_INVALIDATIONS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_SCALE_INVALIDATION_ROUNDS ?? 3);
/** Write sets sent per event-loop turn (then the engine's cycles get a turn). */
const CHUNK = 100;
/** A lost message would stall a round: give up after this long. */
const ROUND_TIMEOUT_MS = 300_000;

/** An in-memory bus: every message to every subscriber, synchronously. */
function memoryBus(): () => PubSubAdapter {
  const handlers: ((message: string) => void)[] = [];
  return () => ({
    name: "memory",
    maxMessageBytes: 256 * 1024,
    publish(message) {
      for (const handler of handlers) handler(message);
      return Promise.resolve();
    },
    subscribe(handler) {
      handlers.push(handler);
      return Promise.resolve();
    },
    onGap: () => undefined,
    close: () => Promise.resolve(),
  });
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const range = (list: number[]) => `${Math.min(...list).toFixed(0)}–${Math.max(...list).toFixed(0)}`;
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;

/** Runs part 4 against the benchmark database at `url` (schema already synced). */
export async function runInvalidationRate(url: string): Promise<void> {
  const driver = await createPgDriver({ connectionString: url, max: 8 });
  // N real commits, one per author (7919 is prime: i ↦ i·7919 mod S visits every author once per S)
  const captured: WriteRecord[][] = [];
  const writer = await createRuntime({ driver, schema, registry: createLiveRegistry(), origin: "seed" });
  writer.onCommit(({ writes }) => void captured.push([...writes]));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < WRITES) {
        const i = next++;
        await writer.run("mutation", "messages:send", { author: `inv-${String((i * 7919) % SUBSCRIPTIONS)}`, body: `w${String(i)}` });
      }
    }),
  );

  const runtime = await createRuntime({ driver, schema, registry: createLiveRegistry(), origin: "receiver" });
  const engine = new RealtimeEngine({ runtime: () => runtime });
  const clients = Array.from({ length: 10 }, () => engine.connect({ transition: () => undefined }));
  for (let i = 0; i < SUBSCRIPTIONS; i++) clients[i % 10]!.subscribe(i, "messages:byAuthor", { author: `inv-${String(i)}` });
  await engine.synced(engine.version);

  const channel = `convoy-bench-inv-${randomBytes(4).toString("hex")}`;
  const buses: Record<string, () => PubSubAdapter> = {
    "in-process bus": memoryBus(),
    postgres: () => createPostgresPubSub({ driver, channel: `${channel}-pg`, databaseUrl: url }),
    redis: () => createRedisPubSub({ url: "redis://127.0.0.1:6379", channel: `${channel}-redis` }),
    nats: () => createNatsPubSub({ url: "nats://127.0.0.1:4222", channel: `${channel}-nats` }),
  };
  const fanouts: ServerFanout[] = [];
  const paths: { name: string; send: (writes: readonly WriteRecord[]) => void }[] = [{ name: "local", send: (writes) => void engine.publish(writes) }];
  const senderEngine = new RealtimeEngine({ runtime: () => writer });
  for (const [name, make] of Object.entries(buses)) {
    fanouts.push(await ServerFanout.start({ engine, transport: make(), serverId: "receiver" }));
    const sender = await ServerFanout.start({ engine: senderEngine, transport: make(), serverId: "sender", onError: () => undefined });
    fanouts.push(sender);
    paths.push({ name, send: (writes) => void sender.publish(writes) });
  }

  const results = new Map<string, { applied: number[]; drained: number[]; reruns: number[]; lost: number }>(paths.map((path) => [path.name, { applied: [], drained: [], reruns: [], lost: 0 }]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const path of round % 2 === 0 ? paths : [...paths].reverse()) {
        const result = results.get(path.name)!;
        const commits = engine.stats.commits;
        const reruns = engine.stats.reruns;
        const started = performance.now();
        for (let i = 0; i < captured.length; i++) {
          path.send(captured[i]!);
          if (i % CHUNK === CHUNK - 1) await turn();
        }
        while (engine.stats.commits - commits < captured.length && performance.now() - started < ROUND_TIMEOUT_MS) await new Promise((resolve) => setTimeout(resolve, 1));
        const applied = performance.now();
        result.lost += captured.length - (engine.stats.commits - commits);
        await engine.synced(engine.version);
        const drained = performance.now();
        result.applied.push((captured.length / (applied - started)) * 1000);
        result.drained.push((captured.length / (drained - started)) * 1000);
        result.reruns.push(engine.stats.reruns - reruns);
      }
    }
  } finally {
    for (const fanout of fanouts) await fanout.close();
    engine.close();
    senderEngine.close();
    await driver.close();
  }

  console.log(`\ninvalidations one server processes: ${String(captured.length)} write sets (one commit each) against ${String(SUBSCRIPTIONS)} distinct subscriptions, each write set overlapping one (${String(ROUNDS)} interleaved rounds; write sets/s as median and min–max)`);
  const local = results.get("local")!;
  for (const [name, result] of results) {
    const ratio = name === "local" ? "" : `  (×${(median(result.drained) / median(local.drained)).toFixed(2)} of local)`;
    const lost = result.lost > 0 ? `  LOST ${String(result.lost)}` : "";
    console.log(
      `  ${name.padEnd(15)} matched+applied ${median(result.applied).toFixed(0).padStart(7)}/s (${range(result.applied)})   with re-runs done ${median(result.drained).toFixed(0).padStart(6)}/s (${range(result.drained)})${ratio}   re-runs per round ${range(result.reruns)}${lost}`,
    );
  }
}

/**
 * `scale.bench.ts`, part 3: commit → the last of N subscribers of one query spread over three
 * servers (each a process of its own: runtime, RealtimeEngine, sync server, ServerFanout; all on
 * one database), per bus, against the same N subscribers on one server (no bus) in the same
 * run. Subscribers live in a child process per configuration (bench/lib/sync-clients.ts); rounds
 * interleave the configurations; each round writes through the next server in turn. The clock
 * starts when the mutation returned in the writing server's process and stops when the
 * subscribers' process read the last frame (both `process.hrtime.bigint()`, CLOCK_MONOTONIC).
 */
import { randomBytes } from "node:crypto";
import { BenchChild, SubscriberProcess } from "./bench-child.js";
import { percentile } from "./stats.js";

const SUBSCRIBERS = Number(process.env.BENCH_SCALE_SUBSCRIBERS ?? 10_000);
const SERVERS = Number(process.env.BENCH_SCALE_SERVERS ?? 3);
const ROUNDS = Number(process.env.BENCH_SCALE_FANOUT_ROUNDS ?? 30);

interface Configuration {
  name: string;
  author: string;
  servers: BenchChild[];
  clients: SubscriberProcess;
  samples: number[];
}

/** Starts the configuration's servers and opens its subscribers, split evenly over them. */
async function setUp(url: string, name: string, transport: string, count: number): Promise<Configuration> {
  const channel = `convoy-bench-fan-${randomBytes(4).toString("hex")}`;
  const servers = Array.from({ length: count }, () => new BenchChild("./scale-server.ts"));
  const perServer = Math.ceil(SUBSCRIBERS / count);
  const ports = await Promise.all(
    servers.map((server, i) =>
      server.ask({ cmd: "start", url, transport, channel, serverId: `${name}${String(i)}`, maxConnections: perServer + 100 }, (r) => r.port !== undefined),
    ),
  );
  const clients = new SubscriberProcess();
  const author = `fan-${name}`;
  for (const [i, reply] of ports.entries()) {
    const share = Math.min(perServer, SUBSCRIBERS - i * perServer);
    if (share > 0) await clients.openShared(`ws://127.0.0.1:${String(reply.port!)}/api/sync`, share, author);
  }
  return { name, author, servers, clients, samples: [] };
}

/** `promise`, or nothing after `ms` (a child that died never answers). */
const within = (promise: Promise<unknown>, ms: number) => Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms).unref())]);

async function tearDown(configuration: Configuration): Promise<void> {
  await within(configuration.clients.close(), 10_000);
  configuration.clients.exit();
  await within(Promise.all(configuration.servers.map((server) => server.ask({ cmd: "stop" }, (r) => r.stopped === true))), 10_000);
  for (const server of configuration.servers) server.exit();
}

/** Runs part 3 against the benchmark database at `url` (schema already synced). */
export async function runMultiServerFanout(url: string): Promise<void> {
  const configurations: Configuration[] = [];
  try {
    configurations.push(await setUp(url, "single", "none", 1));
    for (const transport of ["postgres", "redis", "nats"]) configurations.push(await setUp(url, transport, transport, SERVERS));
    let round = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (const configuration of configurations) {
        const { done } = await configuration.clients.arm(++round);
        const writer = configuration.servers[r % configuration.servers.length]!;
        const { t0 } = await writer.ask({ cmd: "write", round, author: configuration.author }, (reply) => reply.t0 !== undefined);
        configuration.samples.push(Number((await done) - BigInt(t0!)) / 1e6);
      }
    }
    console.log(`\ncommit → last of ${String(SUBSCRIBERS)} subscribers of one query: one server vs ${String(SERVERS)} servers on one database (${String(ROUNDS)} interleaved rounds, writes through each server in turn)`);
    const stats = configurations.map(({ name, samples }) => {
      const sorted = [...samples].sort((a, b) => a - b);
      return { name, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
    });
    const single = stats[0]!;
    for (const { name, p50, p99 } of stats) {
      const label = name === "single" ? "1 server, no bus" : `${String(SERVERS)} servers, ${name}`;
      const ratio = name === "single" ? "" : `  (×${(p50 / single.p50).toFixed(2)} p50, ×${(p99 / single.p99).toFixed(2)} p99 of 1 server)`;
      console.log(`  ${label.padEnd(22)} p50 ${p50.toFixed(1).padStart(8)} ms   p99 ${p99.toFixed(1).padStart(8)} ms${ratio}`);
    }
  } finally {
    for (const configuration of configurations) await tearDown(configuration);
  }
}

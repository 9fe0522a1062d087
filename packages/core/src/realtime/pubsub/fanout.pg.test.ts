import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TcpProxy } from "../../../test/helpers/tcp-proxy.js";
import { createTestDatabase, ensureStorageFor, type TestDatabase } from "../../../test/helpers/test-database.js";
import { createPgDriver, type Driver } from "../../driver/index.js";
import { createRuntime, type Runtime } from "../../runtime/index.js";
import { createLiveRegistry, schema } from "../fixtures/live-app.js";
import { LiveSink } from "../fixtures/live-sink.js";
import { RealtimeEngine } from "../realtime-engine.js";
import { createNatsPubSub, createPostgresPubSub, createRedisPubSub, ServerFanout, type PubSubAdapter } from "./index.js";

const REDIS_PORT = 6379;
const NATS_PORT = 4222;

let db: TestDatabase;
const drivers: Driver[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await createRuntime({ driver: db.driver, schema, registry: createLiveRegistry(), ensureStorage: ensureStorageFor(db.driver) });
});

afterAll(async () => {
  await Promise.all(drivers.map((driver) => driver.close()));
  await db.close();
});

/** One Convoy server: its own pool, runtime (marking its commits with its id), engine and fan-out. */
interface TestServer {
  id: string;
  runtime: Runtime;
  engine: RealtimeEngine;
  fanout: ServerFanout;
  gaps: number;
  close(): Promise<void>;
}

async function startServer(id: string, transport: PubSubAdapter): Promise<TestServer> {
  const driver = await createPgDriver({ connectionString: db.databaseUrl!, max: 3 });
  drivers.push(driver);
  const runtime = await createRuntime({ driver, schema, registry: createLiveRegistry(), origin: id });
  const engine = new RealtimeEngine({ runtime: () => runtime });
  const server: TestServer = { id, runtime, engine, fanout: undefined as never, gaps: 0, close: () => Promise.resolve() };
  transport.onGap(() => server.gaps++);
  server.fanout = await ServerFanout.start({ engine, transport, serverId: id });
  const unwatch = runtime.onCommit(({ writes }) => server.fanout.publish(writes));
  server.close = async () => {
    unwatch();
    engine.close();
    await server.fanout.close();
  };
  return server;
}

async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** A TCP proxy whose connections the test can cut, and hold out (new ones refused) until resumed. */
async function cuttableProxy(port: number): Promise<{ port: number; cut(): void; hold(): void; resume(): void; close(): Promise<void> }> {
  let blocked = false;
  const proxy = new TcpProxy({ host: "127.0.0.1", port }, { accept: () => !blocked });
  return {
    port: await proxy.listen(),
    cut: () => {
      for (const socket of proxy.sockets) socket.destroy();
    },
    hold: () => {
      blocked = true;
    },
    resume: () => {
      blocked = false;
    },
    close: () => proxy.close(),
  };
}

interface Transport {
  name: string;
  /** A fresh adapter on a channel of this test run (other suites may share the bus). */
  adapter(channel: string, server: string): PubSubAdapter;
  /** Cut server `server`'s subscribing connection. */
  cut(server: string): Promise<void>;
  /** Let a cut connection back in (transports that can hold it out). */
  resume?(): void;
  close?(): Promise<void>;
}

function postgresTransport(): Transport {
  return {
    name: "postgres",
    adapter: (channel) => createPostgresPubSub({ driver: drivers.at(-1) ?? db.driver, channel, databaseUrl: db.databaseUrl, checkIntervalMs: 1000 }),
    async cut() {
      const { rows } = await db.driver.query<{ n: number }>(
        "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'convoy-listen%'",
      );
      expect(rows[0]!.n).toBeGreaterThan(0);
    },
  };
}

/**
 * Each server reaches the bus through its own proxy (made before the adapter connects), so
 * that a cut connection can be held out until the test lets it back in.
 */
function proxiedTransport(name: string, port: number, create: (url: string, channel: string, server: string) => PubSubAdapter, kill?: (server: string) => Promise<void>): Transport {
  const proxies = new Map<string, Awaited<ReturnType<typeof cuttableProxy>>>();
  const pending: Promise<void>[] = [];
  return {
    name,
    adapter(channel, server) {
      let inner: PubSubAdapter | undefined;
      const ready = cuttableProxy(port).then((proxy) => {
        proxies.set(server, proxy);
        return (inner = create(`${name}://127.0.0.1:${String(proxy.port)}`, channel, server));
      });
      pending.push(ready.then(() => undefined));
      const gapHandlers: (() => void)[] = [];
      return {
        name,
        maxMessageBytes: 256 * 1024,
        publish: async (message) => (await ready).publish(message),
        subscribe: async (handler) => {
          const adapter = await ready;
          for (const gap of gapHandlers) adapter.onGap(gap);
          await adapter.subscribe(handler);
        },
        onGap: (handler) => (inner === undefined ? gapHandlers.push(handler) : inner.onGap(handler)),
        close: async () => (await ready).close(),
      };
    },
    async cut(server) {
      await Promise.all(pending);
      const proxy = proxies.get(server)!;
      proxy.hold();
      if (kill === undefined) proxy.cut();
      else await kill(server);
    },
    resume() {
      for (const proxy of proxies.values()) proxy.resume();
    },
    async close() {
      await Promise.all([...proxies.values()].map((proxy) => proxy.close()));
    },
  };
}

function redisTransport(): Transport {
  const names = new Map<string, string>();
  // the subscriber is dropped by the server (CLIENT KILL), as an operator or a failover would
  return proxiedTransport(
    "redis",
    REDIS_PORT,
    (url, channel, server) => {
      const clientName = `convoy-test-${randomBytes(4).toString("hex")}`;
      names.set(server, clientName);
      return createRedisPubSub({ url, channel, clientName });
    },
    async (server) => {
      const admin = createClient({ url: `redis://127.0.0.1:${String(REDIS_PORT)}` });
      await admin.connect();
      try {
        const list = (await admin.sendCommand(["CLIENT", "LIST"])) as unknown as string;
        const ids = [...list.matchAll(/id=(\d+) [^\n]* name=(\S+)/g)].filter((m) => m[2] === names.get(server)).map((m) => m[1]!);
        expect(ids.length).toBe(1);
        await admin.sendCommand(["CLIENT", "KILL", "ID", ids[0]!]);
      } finally {
        await admin.close();
      }
    },
  );
}

function natsTransport(): Transport {
  return proxiedTransport("nats", NATS_PORT, (url, channel) => createNatsPubSub({ url, channel }));
}

describe.each([postgresTransport, redisTransport, natsTransport])("three servers on one database", (makeTransport) => {
  const transport = makeTransport();
  let servers: TestServer[] = [];
  let round = 0;

  beforeAll(async () => {
    const channel = `convoy-test-${randomBytes(6).toString("hex")}`;
    for (const id of ["srvA", "srvB", "srvC"]) servers.push(await startServer(id, transport.adapter(channel, id)));
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
    await transport.close?.();
    servers = [];
  });

  it(`${transport.name}: clients on each server see writes made through the others, in commit order, final state equal to a model`, async () => {
    const author = `${transport.name}-${String(round++)}`;
    const sinks = servers.map((server) => {
      const sink = new LiveSink();
      server.engine.connect(sink).subscribe(1, "messages:byAuthor", { author });
      return sink;
    });
    for (const sink of sinks) await sink.until(() => sink.latest(1) !== undefined);
    const commitsBefore = servers.map((server) => server.engine.stats.commits);
    const model: string[] = [];
    for (let i = 0; i < 9; i++) {
      const server = servers[i % servers.length]!;
      await server.runtime.run("mutation", "messages:send", { author, body: `m${String(i)}` });
      model.push(`m${String(i)}`);
    }
    for (const sink of sinks) await sink.until(() => JSON.stringify(sink.latest(1)) === JSON.stringify(model));
    for (const sink of sinks) {
      // every result a client saw is a state of the database: a prefix of the commit order
      for (const seen of sink.values<string[]>(1)) expect(model.slice(0, seen.length)).toEqual(seen);
    }
    // each server applied its own 3 commits once (its echo is dropped) and the others' 6
    for (const [i, server] of servers.entries()) await until(() => server.engine.stats.commits - commitsBefore[i]! >= 9);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(servers.map((server, i) => server.engine.stats.commits - commitsBefore[i]!)).toEqual([9, 9, 9]);
  });

  it(`${transport.name}: a dropped subscriber connection re-runs every subscription and loses nothing`, async () => {
    const author = `${transport.name}-${String(round++)}`;
    const [a, b] = servers as [TestServer, TestServer];
    const sink = new LiveSink();
    b.engine.connect(sink).subscribe(1, "messages:byAuthor", { author });
    await sink.until(() => sink.latest(1) !== undefined);
    const gapsBefore = b.gaps;
    const rerunsBefore = b.engine.stats.reruns;
    await transport.cut(b.id);
    // written while B is not listening: its message to B is lost; the re-run after the gap is not
    await a.runtime.run("mutation", "messages:send", { author, body: "during the gap" });
    transport.resume?.();
    await sink.until(() => JSON.stringify(sink.latest(1)) === JSON.stringify(["during the gap"]));
    await until(() => b.gaps > gapsBefore);
    expect(b.engine.stats.reruns).toBeGreaterThan(rerunsBefore);
  });
});

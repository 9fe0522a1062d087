import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RoundTripProxy } from "../../../test/helpers/round-trip-proxy.js";
import { TcpProxy } from "../../../test/helpers/tcp-proxy.js";
import { createTestDatabase, type TestDatabase } from "../../../test/helpers/test-database.js";
import { createPgDriver, type Driver } from "../../driver/index.js";
import { createPostgresPubSub, type PubSubAdapter } from "./index.js";
import { listenApplicationName } from "./postgres-pubsub.js";

let db: TestDatabase;
/** The publishers' pool (the fallback path), straight to the database. */
let pool: Driver;
const closing: (() => Promise<void>)[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = await createPgDriver({ connectionString: db.databaseUrl!, max: 2 });
});

afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

afterAll(async () => {
  await pool.close();
  await db.close();
});

/** The database URL through a proxy listening on `port`. */
function through(port: number): string {
  const url = new URL(db.databaseUrl!);
  url.host = `127.0.0.1:${String(port)}`;
  return url.toString();
}

/** The hello timeout of these tests' adapters (every handshake here is answered, normally within milliseconds). */
const HANDSHAKE_MS = 30_000;

/** An adapter on `channel`, subscribed, recording what it hears. */
async function adapter(channel: string, databaseUrl = db.databaseUrl!, checkIntervalMs = 60_000): Promise<{ adapter: PubSubAdapter; heard: string[]; gaps: number }> {
  // a long check interval by default: no presence check on the connection while a test counts its statements;
  // a long hello timeout: a loaded machine must not turn the handshake these tests check into its timeout
  const result = { adapter: createPostgresPubSub({ driver: pool, channel, databaseUrl, checkIntervalMs, helloTimeoutMs: HANDSHAKE_MS }), heard: [] as string[], gaps: 0 };
  result.adapter.onGap(() => result.gaps++);
  await result.adapter.subscribe((message) => result.heard.push(message));
  closing.push(() => result.adapter.close());
  return result;
}

async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 10));
}

const newChannel = () => `convoy-test-${randomBytes(6).toString("hex")}`;
const numbered = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `${prefix} ${String(i)}`);

describe("the postgres pub/sub publishes in batches", () => {
  it("many publications in one tick reach another listener, all, in order, in one statement per 1,000 on the LISTEN connection", async () => {
    const channel = newChannel();
    const proxy = new RoundTripProxy({ host: "127.0.0.1", port: Number(new URL(db.databaseUrl!).port || 5432) });
    closing.push(() => proxy.close());
    const publisher = await adapter(channel, through(await proxy.listen()));
    const listener = await adapter(channel);

    proxy.reset();
    const messages = numbered(500, "one-tick");
    await Promise.all(messages.map((message) => publisher.adapter.publish(message)));
    await until(() => listener.heard.length >= messages.length);
    expect(listener.heard).toEqual(messages);
    // one statement on the LISTEN connection (none went through the pool)
    expect(proxy.roundTrips).toBe(1);

    proxy.reset();
    const more = numbered(2_500, "more");
    await Promise.all(more.map((message) => publisher.adapter.publish(message)));
    await until(() => listener.heard.length >= messages.length + more.length);
    expect(listener.heard.slice(messages.length)).toEqual(more);
    expect(proxy.roundTrips).toBe(3);
    // the publisher hears its own messages too, in the same order
    await until(() => publisher.heard.length >= messages.length + more.length);
    expect(publisher.heard).toEqual([...messages, ...more]);
  });

  it("publications made while a batch is in flight form the next batch, in order", async () => {
    const channel = newChannel();
    const publisher = await adapter(channel);
    const listener = await adapter(channel);
    const sent: Promise<void>[] = [];
    const messages = numbered(300, "spread");
    for (const [i, message] of messages.entries()) {
      sent.push(publisher.adapter.publish(message));
      if (i % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(sent);
    await until(() => listener.heard.length >= messages.length);
    expect(listener.heard).toEqual(messages);
  });

  it("a batch costs one transaction, not one per message", async () => {
    const channel = newChannel();
    const publisher = await adapter(channel);
    const listener = await adapter(channel);
    const commits = async () => {
      // the statistics are flushed by each backend at the end of its transactions, within a second
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await db.driver.query("SELECT pg_stat_clear_snapshot()");
      const { rows } = await db.driver.query<{ n: string }>("SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()");
      return Number(rows[0]!.n);
    };
    const before = await commits();
    const messages = numbered(200, "xact");
    await Promise.all(messages.map((message) => publisher.adapter.publish(message)));
    await until(() => listener.heard.length >= messages.length);
    // 200 without the batching; with it one for the batch, plus the statistics queries and
    // whatever else the database's connections committed meanwhile (13 seen under load)
    expect((await commits()) - before).toBeLessThan(50);
  });

  it("while the LISTEN connection is down, publications go through the pool and still arrive", async () => {
    const channel = newChannel();
    let refusing = false;
    const proxy = new TcpProxy({ host: "127.0.0.1", port: Number(new URL(db.databaseUrl!).port || 5432) }, { accept: () => !refusing });
    closing.push(() => proxy.close());
    const publisher = await adapter(channel, through(await proxy.listen()));
    const listener = await adapter(channel);

    await publisher.adapter.publish("before the cut");
    refusing = true;
    for (const socket of proxy.sockets) socket.destroy();
    const during = numbered(50, "during the cut");
    await Promise.all(during.map((message) => publisher.adapter.publish(message)));
    await until(() => listener.heard.length >= 1 + during.length);
    expect(listener.heard).toEqual(["before the cut", ...during]);

    refusing = false;
    await until(() => publisher.gaps > 0);
    await publisher.adapter.publish("after the reconnect");
    await until(() => listener.heard.length >= 2 + during.length);
    expect(listener.heard.at(-1)).toBe("after the reconnect");
  });

  it("runs its batches with synchronous_commit off, also after a reconnect", async () => {
    const channel = newChannel();
    const publisher = await adapter(channel);
    // a session setting: asked on the LISTEN connection itself
    type Client = { query(sql: string): Promise<{ rows: { synchronous_commit: string }[] }> };
    const listenConnection = () => (publisher.adapter as unknown as { client: Client | undefined }).client;
    const client = listenConnection()!;
    expect((await client.query("SHOW synchronous_commit")).rows[0]!.synchronous_commit).toBe("off");
    await db.driver.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'convoy-listen%'");
    await until(() => publisher.gaps > 0);
    const again = listenConnection()!;
    expect(again).not.toBe(client);
    expect((await again.query("SHOW synchronous_commit")).rows[0]!.synchronous_commit).toBe("off");
  });

  it("close() sends what was published before it; later publications are rejected", async () => {
    const channel = newChannel();
    const listener = await adapter(channel);
    const publisher = createPostgresPubSub({ driver: pool, channel, databaseUrl: db.databaseUrl, checkIntervalMs: 60_000, helloTimeoutMs: HANDSHAKE_MS });
    await publisher.subscribe(() => undefined);
    const messages = numbered(1_500, "closing");
    const sent = messages.map((message) => publisher.publish(message));
    await publisher.close();
    await Promise.all(sent);
    await expect(publisher.publish("too late")).rejects.toThrow(/closed/);
    await until(() => listener.heard.length >= messages.length);
    expect(listener.heard).toEqual(messages);
  });
});

describe("the postgres pub/sub publishes only when another server listens", () => {
  /** A publisher whose `LISTEN` connection goes through a round-trip counting proxy. */
  async function countedPublisher(channel: string, checkIntervalMs = 60_000) {
    const proxy = new RoundTripProxy({ host: "127.0.0.1", port: Number(new URL(db.databaseUrl!).port || 5432) });
    closing.push(() => proxy.close());
    const publisher = await adapter(channel, through(await proxy.listen()), checkIntervalMs);
    /** Round trips one publication costs once it resolved (0: it was not sent). */
    const publishCost = async (message: string) => {
      proxy.reset();
      await publisher.adapter.publish(message);
      return proxy.roundTrips;
    };
    return { publisher, publishCost };
  }

  /** A raw connection listening on `channel`, recording what it hears. */
  async function rawListener(channel: string, applicationName: string) {
    const client = new pg.Client({ connectionString: db.databaseUrl!, application_name: applicationName });
    await client.connect();
    const heard: string[] = [];
    client.on("notification", (message) => heard.push(message.payload ?? ""));
    await client.query(`LISTEN "${channel}"`);
    closing.push(() => client.end());
    return { client, heard };
  }

  it("alone, a publication costs nothing; a server that starts later hears every publication made after its subscribe resolved", async () => {
    const channel = newChannel();
    const { publisher, publishCost } = await countedPublisher(channel);
    // a listener that is not a Convoy server is not counted (the channel is Convoy's own)
    const outsider = await rawListener(channel, "psql");
    expect(await publishCost("unheard")).toBe(0);

    const later = await adapter(channel);
    expect(await publishCost("after the hello")).toBe(1);
    await until(() => later.heard.length >= 1 && publisher.heard.length >= 1);
    expect(later.heard).toEqual(["after the hello"]);
    expect(publisher.heard).toEqual(["after the hello"]);
    // the newcomer publishes too (it found a peer)
    await later.adapter.publish("from the newcomer");
    await until(() => publisher.heard.length >= 2);
    expect(publisher.heard.at(-1)).toBe("from the newcomer");
    expect(outsider.heard.filter((message) => !message.startsWith("!"))).toEqual(["after the hello", "from the newcomer"]);
  });

  it("goes quiet again at the first presence check after the other server left", async () => {
    const channel = newChannel();
    const { publishCost } = await countedPublisher(channel, 100);
    const other = await adapter(channel);
    expect(await publishCost("heard")).toBe(1);
    await other.adapter.close();
    let cost = 1;
    while (cost !== 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      cost = await publishCost("maybe heard");
    }
    expect(cost).toBe(0);
  });

  it("a listener that never said hello (an older server, a missed hello) is published to from the next presence check", async () => {
    const channel = newChannel();
    const { publisher } = await countedPublisher(channel, 100);
    const silent = await rawListener(channel, listenApplicationName(channel));
    let round = 0;
    while (!silent.heard.includes(`round ${String(round - 1)}`)) {
      await publisher.adapter.publish(`round ${String(round++)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // from then on, every publication arrives
    await publisher.adapter.publish("last");
    await until(() => silent.heard.includes("last"));
  });

  it("servers on another channel of the same database are not peers: alone on its channel, a server stays quiet", async () => {
    const channel = newChannel();
    await adapter(newChannel());
    const { publishCost } = await countedPublisher(channel);
    expect(await publishCost("unheard")).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { readMetric, startSyncServer, SyncTestClient, type SyncServer } from "./fixtures/sync-harness.js";

let db: TestDatabase;
let server: SyncServer;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startSyncServer(db.driver);
});

afterAll(async () => {
  await server.close();
  await db.close();
});

describe("precise invalidation", () => {
  it("1,000 distinct subscriptions: a write by one author re-runs exactly one; a write outside every range, none", async () => {
    const sockets = await Promise.all([0, 1, 2, 3].map(() => SyncTestClient.connect(server.wsUrl)));
    for (let author = 0; author < 1000; author++) {
      sockets[author % 4]!.send({ type: "subscribe", queryId: author, name: "messages:byAuthor", args: { author: `author-${author}` } });
    }
    for (const [i, socket] of sockets.entries()) {
      await socket.waitFor(() => socket.values(i).length > 0 && Array.from({ length: 250 }, (_, k) => socket.values(k * 4 + i).length).every((n) => n === 1), 60_000);
    }
    expect(server.engine.subscriptionCount).toBe(1000);
    expect(await readMetric(server.url, "convoy_subscriptions_active")).toBe(1000);
    expect(await readMetric(server.url, "convoy_sync_sockets")).toBe(4);

    const before = await readMetric(server.url, "convoy_subscription_reruns_total");
    const writer = await SyncTestClient.connect(server.wsUrl);
    await writer.mutation("messages:send", { author: "author-421", body: "hello" });
    expect(await readMetric(server.url, "convoy_subscription_reruns_total")).toBe(before + 1);
    // read your writes across sockets too: the subscriber's transition was delivered in the same cycle
    await sockets[1]!.waitFor(() => sockets[1]!.values(421).length === 2);
    expect(sockets[1]!.latest(421)).toEqual(["hello"]);

    await writer.mutation("messages:send", { author: "nobody-subscribes", body: "quiet" });
    expect(await readMetric(server.url, "convoy_subscription_reruns_total")).toBe(before + 1);
    for (const [i, socket] of sockets.entries()) {
      for (let k = 0; k < 250; k++) expect(socket.values(k * 4 + i)).toHaveLength(k * 4 + i === 421 ? 2 : 1);
      socket.close();
    }
    writer.close();
  });

  it("identical subscriptions share one run", async () => {
    const clients = await Promise.all([0, 1, 2].map(() => SyncTestClient.connect(server.wsUrl)));
    for (const client of clients) client.send({ type: "subscribe", queryId: 9, name: "messages:byAuthor", args: { author: "shared" } });
    for (const client of clients) await client.waitFor((m) => m.type === "transition");
    expect(server.engine.groupCount).toBe(1);
    const before = server.engine.stats.reruns;
    await clients[0]!.mutation("messages:send", { author: "shared", body: "one" });
    expect(server.engine.stats.reruns).toBe(before + 1);
    for (const client of clients) {
      await client.waitFor(() => client.values(9).length === 2);
      expect(client.latest(9)).toEqual(["one"]);
      client.close();
    }
  });
});

describe("identity", () => {
  it("two identities see their own ctx.auth results; a write pushes only to the user whose result changed", async () => {
    const alice = await SyncTestClient.connect(server.wsUrl, undefined, "tok:alice");
    const bob = await SyncTestClient.connect(server.wsUrl, undefined, "tok:bob");
    alice.send({ type: "subscribe", queryId: 1, name: "messages:mine", args: {} });
    bob.send({ type: "subscribe", queryId: 1, name: "messages:mine", args: {} });
    await alice.waitFor((m) => m.type === "transition");
    await bob.waitFor((m) => m.type === "transition");
    await alice.mutation("messages:sendMine", { body: "from alice" });
    expect(alice.latest(1)).toEqual(["from alice"]);
    await bob.mutation("messages:sendMine", { body: "from bob" });
    expect(bob.latest(1)).toEqual(["from bob"]);
    expect(alice.values(1)).toEqual([[], ["from alice"]]);
    expect(bob.values(1)).toEqual([[], ["from bob"]]);

    // re-authenticating re-runs the subscriptions under the new identity, on the same socket
    bob.send({ type: "authenticate", token: null });
    await bob.waitFor(() => bob.values(1).length === 3);
    expect(bob.latest(1)).toMatchObject({ error: { code: "APPLICATION_ERROR" } });
    bob.send({ type: "authenticate", token: "tok:alice" });
    await bob.waitFor(() => bob.values(1).length === 4);
    expect(bob.latest(1)).toEqual(["from alice"]);
    alice.close();
    bob.close();
  });
});

describe("reconnect", () => {
  it("after a forced socket drop: resubscribing gives current results, a resent mutation is applied once", async () => {
    const sessionId = crypto.randomUUID();
    const first = await SyncTestClient.connect(server.wsUrl, sessionId);
    first.send({ type: "subscribe", queryId: 1, name: "counters:get", args: { name: "drop" } });
    await first.waitFor((m) => m.type === "transition");
    first.send({ type: "mutation", requestId: "once", name: "counters:add", args: { name: "drop", by: 3 } });
    first.socket.terminate(); // the answer may be lost with the socket
    const second = await SyncTestClient.connect(server.wsUrl, sessionId);
    second.send({ type: "subscribe", queryId: 1, name: "counters:get", args: { name: "drop" } });
    const answer = await second.mutation("counters:add", { name: "drop", by: 3 }, "once");
    expect(answer.value).toBe(3);
    expect(second.latest(1)).toBe(3);
    second.close();
  });
});

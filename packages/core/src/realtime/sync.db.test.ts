import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { startSyncServer, SyncTestClient, type SyncServer } from "./fixtures/sync-harness.js";

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

describe("/api/sync", () => {
  it("pushes the first result, then every change, and answers a mutation after the transition reflecting it", async () => {
    const client = await SyncTestClient.connect(server.wsUrl);
    client.send({ type: "subscribe", queryId: 1, name: "messages:byAuthor", args: { author: "ada" } });
    await client.waitFor((m) => m.type === "transition");
    expect(client.latest(1)).toEqual([]);
    const result = await client.mutation("messages:send", { author: "ada", body: "hi" });
    expect(result).toMatchObject({ type: "mutationResult", value: "hi" });
    // read your writes: the transition that shows "hi" arrived before the mutation's result
    const resultIndex = client.messages.indexOf(result);
    const transitions = client.messages.slice(0, resultIndex).filter((m) => m.type === "transition");
    expect(client.values(1)).toEqual([[], ["hi"]]);
    expect(transitions).toHaveLength(2);
    expect(BigInt(result.version as string)).toBeLessThan(BigInt(transitions[1]!.version as string));
    client.close();
  });

  it("does not push unchanged results, and versions strictly increase", async () => {
    const client = await SyncTestClient.connect(server.wsUrl);
    client.send({ type: "subscribe", queryId: 7, name: "messages:byAuthor", args: { author: "bob" } });
    await client.waitFor((m) => m.type === "transition");
    await client.mutation("messages:send", { author: "carol", body: "elsewhere" });
    await client.mutation("messages:send", { author: "bob", body: "b1" });
    expect(client.values(7)).toEqual([[], ["b1"]]);
    const versions = client.messages.filter((m) => m.type === "transition").map((m) => BigInt(m.version as string));
    for (let i = 1; i < versions.length; i++) expect(versions[i]!).toBeGreaterThan(versions[i - 1]!);
    client.close();
  });

  it("applies a duplicate request id once and answers it with the first result, also on another socket of the session", async () => {
    const sessionId = crypto.randomUUID();
    const first = await SyncTestClient.connect(server.wsUrl, sessionId);
    first.send({ type: "subscribe", queryId: 1, name: "counters:get", args: { name: "dup" } });
    const a = await first.mutation("counters:add", { name: "dup", by: 5 }, "req-1");
    const b = await first.mutation("counters:add", { name: "dup", by: 5 }, "req-1");
    first.close();
    const second = await SyncTestClient.connect(server.wsUrl, sessionId);
    const c = await second.mutation("counters:add", { name: "dup", by: 5 }, "req-1");
    expect([a.value, b.value, c.value]).toEqual([5, 5, 5]);
    const { value } = await server.runtime.run("query", "counters:get", { name: "dup" });
    expect(value).toBe(5);
    second.close();
  });

  it("answers one-shot queries and pings", async () => {
    const client = await SyncTestClient.connect(server.wsUrl);
    client.send({ type: "query", requestId: "q", name: "counters:get", args: { name: "none" } });
    expect(await client.waitFor((m) => m.type === "queryResult")).toEqual({ type: "queryResult", requestId: "q", value: 0 });
    client.send({ type: "query", requestId: "q2", name: "nope:nothing", args: {} });
    expect(await client.waitFor((m) => m.type === "queryResult" && m.requestId === "q2")).toMatchObject({ error: { code: "NOT_FOUND" } });
    client.send({ type: "ping" });
    await client.waitFor((m) => m.type === "pong");
    client.close();
  });
});

import { WebSocket } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { startSyncServer, SyncTestClient, type SyncServer } from "./fixtures/sync-harness.js";

let db: TestDatabase;
let server: SyncServer;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startSyncServer(db.driver, { limits: { maxSubscriptions: 3, maxInFlight: 2, heartbeatMs: 200 } });
});

afterAll(async () => {
  await server.close();
  await db.close();
});

async function closeAfter(frames: (string | Buffer)[], connect = true): Promise<{ code: number; reason: string }> {
  const client = connect ? await SyncTestClient.connect(server.wsUrl) : await SyncTestClient.open(server.wsUrl);
  for (const frame of frames) client.socket.send(frame);
  return client.waitForClose();
}

/** The server still serves a well-behaved client. */
async function stillServes(): Promise<void> {
  const client = await SyncTestClient.connect(server.wsUrl);
  client.send({ type: "subscribe", queryId: 1, name: "counters:get", args: { name: "x" } });
  await client.waitFor((m) => m.type === "transition");
  expect(client.latest(1)).toBe(0);
  client.close();
}

describe("/api/sync refuses hostile frames with the documented close codes", () => {
  it.each([
    ["not JSON", "{nope"],
    ["not an object", "[1,2]"],
    ["an unknown type", JSON.stringify({ type: "launch" })],
    ["a wrong field type", JSON.stringify({ type: "subscribe", queryId: "one", name: "counters:get", args: {} })],
    ["a missing field", JSON.stringify({ type: "mutation", name: "counters:add", args: {} })],
    ["args that are not an object", JSON.stringify({ type: "query", requestId: "a", name: "counters:get", args: [1] })],
    ["args that are not Convoy JSON", JSON.stringify({ type: "query", requestId: "a", name: "counters:get", args: { n: { $integer: 5 } } })],
    ["a nesting bomb", `{"type":"query","requestId":"a","name":"counters:get","args":{"a":${"[".repeat(5000)}${"]".repeat(5000)}}}`],
  ])("%s → 4400", async (_what, frame) => {
    expect((await closeAfter([frame])).code).toBe(4400);
    await stillServes();
  });

  it("a message before connect, a second connect, a binary frame and a duplicate queryId → 4400", async () => {
    expect((await closeAfter([JSON.stringify({ type: "ping" })], false)).code).toBe(4400);
    expect((await closeAfter([JSON.stringify({ type: "connect", protocol: 1, sessionId: "s" })])).code).toBe(4400);
    expect((await closeAfter([JSON.stringify({ type: "connect", protocol: 2, sessionId: "s" })], false)).code).toBe(4400);
    expect((await closeAfter([Buffer.from([1, 2, 3])])).code).toBe(4400);
    const subscribe = JSON.stringify({ type: "subscribe", queryId: 4, name: "counters:get", args: { name: "d" } });
    expect((await closeAfter([subscribe, subscribe])).code).toBe(4400);
    await stillServes();
  });

  it("a frame over 1 MiB → 1009", async () => {
    const huge = JSON.stringify({ type: "query", requestId: "a", name: "counters:get", args: { name: "x".repeat(1024 * 1024 + 10) } });
    expect((await closeAfter([huge])).code).toBe(1009);
    await stillServes();
  });

  it("a refused token → 4401 with the reason; a valid one authenticates", async () => {
    const closed = await closeAfter([JSON.stringify({ type: "authenticate", token: "forged" })]);
    expect(closed).toEqual({ code: 4401, reason: "UNAUTHENTICATED: token expired" });
    const client = await SyncTestClient.connect(server.wsUrl, undefined, "tok:ada");
    expect(client.messages.find((m) => m.type === "authenticated")).toMatchObject({ identity: { subject: "ada" } });
    client.close();
  });

  it("without a verifier, any token other than null → 4401; null is anonymous", async () => {
    const bare = await startSyncServer(db.driver, { withoutVerifier: true });
    try {
      const anonymous = await SyncTestClient.connect(bare.wsUrl);
      anonymous.send({ type: "authenticate", token: null });
      expect(await anonymous.waitFor((m) => m.type === "authenticated")).toEqual({ type: "authenticated", identity: null });
      anonymous.send({ type: "authenticate", token: "tok:ada" });
      expect((await anonymous.waitForClose()).code).toBe(4401);
    } finally {
      await bare.close();
    }
  });

  it("past the per-socket limits → 4429", async () => {
    const subscribes = [1, 2, 3, 4].map((queryId) => JSON.stringify({ type: "subscribe", queryId, name: "counters:get", args: { name: `l${queryId}` } }));
    expect((await closeAfter(subscribes)).code).toBe(4429);
    const queries = [1, 2, 3, 4, 5, 6].map((i) => JSON.stringify({ type: "mutation", requestId: `m${i}`, name: "counters:add", args: { name: "limit", by: 1 } }));
    expect((await closeAfter(queries)).code).toBe(4429);
    await stillServes();
  });

  it("a socket that stops answering pings → 4408", async () => {
    const socket = new WebSocket(server.wsUrl, { autoPong: false });
    const closed = new Promise<number>((resolve) => socket.on("close", (code) => resolve(code)));
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(JSON.stringify({ type: "connect", protocol: 1, sessionId: "silent" }));
    expect(await closed).toBe(4408);
    await stillServes();
  });

  it("unknown upgrade paths are refused", async () => {
    const socket = new WebSocket(server.wsUrl.replace("/api/sync", "/api/other"));
    const outcome = await new Promise<string>((resolve) => {
      socket.on("open", () => resolve("open"));
      socket.on("error", () => resolve("refused"));
    });
    expect(outcome).toBe("refused");
  });
});

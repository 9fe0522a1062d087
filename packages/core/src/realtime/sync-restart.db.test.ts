import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { startSyncServer, SyncTestClient } from "./fixtures/sync-harness.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.close();
});

describe("/api/sync across a server restart on the same database", () => {
  it("closes sockets with 1001; after reconnecting, results are current and a resent mutation is not applied again", async () => {
    const sessionId = crypto.randomUUID();
    const first = await startSyncServer(db.driver);
    const before = await SyncTestClient.connect(first.wsUrl, sessionId);
    before.send({ type: "subscribe", queryId: 1, name: "counters:get", args: { name: "restart" } });
    const answer = await before.mutation("counters:add", { name: "restart", by: 2 }, "req-restart");
    expect(answer.value).toBe(2);
    expect(before.latest(1)).toBe(2);
    await first.close();
    expect((await before.waitForClose()).code).toBe(1001);

    // a new process: nothing in memory, the request log is in the database
    const second = await startSyncServer(db.driver);
    const after = await SyncTestClient.connect(second.wsUrl, sessionId);
    after.send({ type: "subscribe", queryId: 1, name: "counters:get", args: { name: "restart" } });
    const again = await after.mutation("counters:add", { name: "restart", by: 2 }, "req-restart");
    expect(again.value).toBe(2);
    expect(after.latest(1)).toBe(2);
    // versions keep increasing across the restart
    expect(BigInt(again.version as string)).toBeGreaterThan(BigInt(answer.version as string));
    const next = await after.mutation("counters:add", { name: "restart", by: 1 }, "req-next");
    expect(next.value).toBe(3);
    expect(after.values(1)).toEqual([2, 3]);
    after.close();
    await second.close();
  });
});

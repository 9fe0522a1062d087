import { describe, expect, it } from "vitest";
import { FakeSocket, until } from "../../realtime/fixtures/fake-socket.js";
import { useLiveRuntime } from "../../realtime/fixtures/live-runtime.js";
import { RealtimeEngine } from "../../realtime/realtime-engine.js";
import { FrameBatch } from "../../realtime/sync/frame-batch.js";
import { outcomeSerializer } from "../../realtime/sync/serialize-outcome.js";
import { RequestMemory } from "../../realtime/sync/sync-options.js";
import { ConvexSyncSession } from "./convex-session.js";

const runtime = useLiveRuntime();

interface TransitionMessage {
  startVersion: unknown;
  endVersion: { querySet: number };
  modifications: { queryId: number; value: number }[];
}

describe("a slow Convex socket", () => {
  it("gets its transitions coalesced while its buffer is over the limit, still chained, and is closed when it never reads", async () => {
    const engine = new RealtimeEngine({ runtime: runtime() });
    const socket = new FakeSocket();
    new ConvexSyncSession(...socket.asSocket, {
      engine,
      runtime,
      serialize: outcomeSerializer({ dev: false }),
      verifyToken: undefined,
      maxSubscriptions: 10,
      maxInFlight: 10,
      maxBufferedBytes: 1024,
      heartbeatTimeoutMs: 60_000,
      maxDepth: 68,
      maxArrayLength: 8192,
      logger: { error: () => undefined },
      batch: new FrameBatch(),
      requests: new RequestMemory(),
      onClose: () => undefined,
    });
    socket.receive({ type: "Connect", sessionId: "slow", connectionCount: 0, lastCloseReason: null, clientTs: 0 });
    socket.receive({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [{ type: "Add", queryId: 1, udfPath: "counters:get", args: [{ name: "slow" }] }] });
    const transitions = () => socket.sent.filter((frame) => frame.includes('"Transition"')).map((frame) => JSON.parse(frame) as TransitionMessage);
    await until(() => transitions().some((t) => t.endVersion.querySet === 1));
    const before = transitions().length;

    socket.bufferedAmount = 10 * 1024;
    for (let i = 0; i < 3; i++) {
      await runtime().run("mutation", "counters:add", { name: "slow", by: 1 });
      await engine.synced(engine.version);
    }
    expect(transitions()).toHaveLength(before); // held back while the socket is slow

    socket.bufferedAmount = 0;
    await until(() => transitions().length === before + 1);
    const all = transitions();
    expect([all[0]!.modifications.map((m) => m.value), all.at(-1)!.modifications.map((m) => m.value)]).toEqual([[0], [3]]);
    all.slice(1).forEach((transition, i) => expect(transition.startVersion).toEqual(all[i]!.endVersion));

    // answers are not held: past 8 × the limit unread, the socket is closed
    socket.bufferedAmount = 9 * 1024;
    socket.receive({ type: "Mutation", requestId: 0, udfPath: "counters:add", args: [{ name: "slow", by: 1 }] });
    await until(() => socket.closedWith !== undefined);
    expect(socket.closedWith).toBe(4429);
    engine.close();
  });
});

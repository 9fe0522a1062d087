import { describe, expect, it } from "vitest";
import { FakeSocket, until } from "../fixtures/fake-socket.js";
import { useLiveRuntime } from "../fixtures/live-runtime.js";
import { RealtimeEngine } from "../realtime-engine.js";
import { FrameBatch } from "./frame-batch.js";
import { outcomeSerializer } from "./serialize-outcome.js";
import { RequestMemory } from "./sync-options.js";
import { SyncSession } from "./sync-session.js";
import { TransitionFrames } from "./transition-frames.js";

const runtime = useLiveRuntime();

describe("a slow socket", () => {
  it("gets its transitions coalesced while its buffer is over the limit: the latest result per query, in one frame", async () => {
    const engine = new RealtimeEngine({ runtime: runtime() });
    const socket = new FakeSocket();
    new SyncSession(...socket.asSocket, engine, runtime, outcomeSerializer({ dev: false }), {
      maxFrameBytes: 1 << 20,
      maxSubscriptions: 10,
      maxInFlight: 10,
      heartbeatMs: 30_000,
      heartbeatTimeoutMs: 60_000,
      maxBufferedBytes: 1024,
      maxDepth: 66,
      maxArrayLength: 8192,
      verifyToken: undefined,
      logger: { error: () => undefined },
      frames: new TransitionFrames(),
      batch: new FrameBatch(),
      requests: new RequestMemory(),
      onClose: () => undefined,
    });
    socket.receive({ type: "connect", protocol: 1, sessionId: "slow" });
    socket.receive({ type: "subscribe", queryId: 1, name: "counters:get", args: { name: "slow" } });
    await until(() => socket.sent.some((frame) => frame.includes('"transition"')));
    const transitions = () => socket.sent.filter((frame) => frame.includes('"transition"')).map((frame) => JSON.parse(frame) as { results: { value: number }[] });

    socket.bufferedAmount = 10 * 1024 * 1024;
    for (let i = 0; i < 3; i++) {
      await runtime().run("mutation", "counters:add", { name: "slow", by: 1 });
      await engine.synced(engine.version);
    }
    expect(transitions()).toHaveLength(1); // held back while the socket is slow

    socket.bufferedAmount = 0;
    await until(() => transitions().length === 2);
    expect(transitions().map((t) => t.results.map((r) => r.value))).toEqual([[0], [3]]);
    engine.close();
  });
});

import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ensureStorageFor, type TestDatabase } from "../../../test/helpers/test-database.js";
import { createRuntime, type Runtime } from "../../runtime/index.js";
import { createLiveRegistry, schema } from "../fixtures/live-app.js";
import { RealtimeEngine } from "../realtime-engine.js";
import { FrameBatch } from "./frame-batch.js";
import { outcomeSerializer } from "./serialize-outcome.js";
import { RequestMemory } from "./sync-options.js";
import { SyncSession } from "./sync-session.js";
import { TransitionFrames } from "./transition-frames.js";

let db: TestDatabase;
let runtime: Runtime;

beforeAll(async () => {
  db = await createTestDatabase();
  runtime = await createRuntime({ driver: db.driver, schema, registry: createLiveRegistry(), ensureStorage: ensureStorageFor(db.driver) });
});

afterAll(async () => {
  await db.close();
});

/** The part of a `ws` socket a session uses, with a buffer level the test sets. */
class FakeSocket extends EventEmitter {
  bufferedAmount = 0;
  readonly readyState = 1; // OPEN
  readonly sent: string[] = [];
  /** The TCP socket under it: the session corks it around a turn's messages. */
  readonly tcp = { cork: () => undefined, uncork: () => undefined };
  send(message: Buffer | string): void {
    this.sent.push(message.toString());
  }
  ping(): void {}
  close(): void {
    this.emit("close");
  }
  receive(message: object): void {
    this.emit("message", Buffer.from(JSON.stringify(message)), false);
  }
}

async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setImmediate(resolve));
}

describe("a slow socket", () => {
  it("gets its transitions coalesced while its buffer is over the limit: the latest result per query, in one frame", async () => {
    const engine = new RealtimeEngine({ runtime });
    const socket = new FakeSocket();
    new SyncSession(socket as unknown as WebSocket, socket.tcp as unknown as Duplex, engine, () => runtime, outcomeSerializer({ dev: false }), {
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
      await runtime.run("mutation", "counters:add", { name: "slow", by: 1 });
      await engine.synced(engine.version);
    }
    expect(transitions()).toHaveLength(1); // held back while the socket is slow

    socket.bufferedAmount = 0;
    await until(() => transitions().length === 2);
    expect(transitions().map((t) => t.results.map((r) => r.value))).toEqual([[0], [3]]);
    engine.close();
  });
});

import { describe, expect, it } from "vitest";
import type { Runtime } from "../runtime/index.js";
import { useLiveRuntime } from "./fixtures/live-runtime.js";
import { LiveSink } from "./fixtures/live-sink.js";
import { RealtimeEngine } from "./realtime-engine.js";

const live = useLiveRuntime();

describe("RealtimeEngine", () => {
  it("loses no update committed between a first run's snapshot and its registration", async () => {
    const runtime = live();
    let snapshotTaken!: () => void;
    const taken = new Promise<void>((resolve) => (snapshotTaken = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const pause = async <T>(value: T): Promise<T> => {
      if (first) {
        first = false;
        snapshotTaken();
        await released;
      }
      return value;
    };
    // The first run of the live query holds on to its result (read at a snapshot) until released;
    // a lone query runs through `run` (one statement), batches through `runHandler` (one transaction).
    const paused: Runtime = {
      ...runtime,
      registry: runtime.registry,
      run: (async (...args: Parameters<Runtime["run"]>) => pause(await runtime.run(...args))) as Runtime["run"],
      runHandler: ((kind: "query", handler: (ctx: never) => Promise<unknown>, options: object) =>
        runtime.runHandler(kind, async (ctx) => pause(await handler(ctx as never)), options)) as unknown as Runtime["runHandler"],
    };
    const engine = new RealtimeEngine({ runtime: () => paused });
    const unwatch = runtime.onCommit(({ writes }) => engine.publish(writes));
    const sink = new LiveSink();
    const client = engine.connect(sink);
    client.subscribe(1, "counters:get", { name: "race" });
    await taken;
    await runtime.run("mutation", "counters:add", { name: "race", by: 1 });
    release();
    await sink.until(() => sink.latest(1) === 1);
    const seen = sink.values(1);
    // the first run's snapshot missed the write, and its registration came after the write's
    // publication: the commit log made it run again
    expect(seen).toEqual([0, 1]);
    unwatch();
    engine.close();
  });

  it("shares one run and one text between identical subscriptions and drops a group with its last member", async () => {
    const runtime = live();
    const engine = new RealtimeEngine({ runtime });
    const sinks = [new LiveSink(), new LiveSink()];
    const clients = sinks.map((sink) => engine.connect(sink));
    for (const client of clients) client.subscribe(3, "messages:byAuthor", { author: "same" });
    for (const sink of sinks) await sink.until(() => sink.transitions.length === 1);
    expect(engine.groupCount).toBe(1);
    expect(sinks[0]!.transitions[0]!.results[0]!.text).toBe(sinks[1]!.transitions[0]!.results[0]!.text);
    expect(engine.stats.firstRuns).toBe(1);
    clients[0]!.unsubscribe(3);
    expect(engine.groupCount).toBe(1);
    clients[1]!.close();
    expect(engine.groupCount).toBe(0);
    engine.close();
  });

  it("runs a failing live query once per invalidation", async () => {
    const runtime = live();
    const engine = new RealtimeEngine({ runtime: () => runtime });
    const unwatch = runtime.onCommit(({ writes }) => engine.publish(writes));
    const calls: string[] = [];
    const unlisten = runtime.onCall((event) => event.kind === "query" && calls.push(event.name));
    const sink = new LiveSink();
    engine.connect(sink).subscribe(1, "messages:strict", { author: "strict" });
    await sink.until(() => sink.results(1).length === 1);
    for (let i = 1; i <= 3; i++) {
      const { version } = { version: (await runtime.run("mutation", "messages:send", { author: "strict", body: `b${i}` }), engine.version) };
      await engine.synced(version);
      expect(sink.results(1).at(-1)).toEqual({ error: expect.objectContaining({ message: `strict has ${i} messages` }) as unknown });
    }
    // first run ok (1 call); the first failure: the single statement, then a transaction for its
    // read set (2); every later failure: the transaction alone (1 each)
    expect(calls).toHaveLength(1 + 2 + 1 + 1);
    unlisten();
    unwatch();
    engine.close();
  });
});

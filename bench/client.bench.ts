/**
 * The live client's cost over the wire protocol itself: the same server (`/api/sync`, the
 * client fixture app on real Postgres), driven by `ConvoyClient` and by a raw `ws` socket that
 * speaks protocol v1 with bare `JSON.parse` (the baseline), same run, interleaved.
 *
 * - mutation, read-your-writes: `await client.mutation(...)` while subscribed to what it
 *   changes (resolves after the push), one at a time;
 * - push: a write by another connection → the subscriber's callback with the new result.
 */
import WebSocket from "ws";
import { ConvoyClient, makeFunctionReference } from "../packages/core/src/browser/index.js";
import { startLiveFixtureServer } from "../packages/core/test/client/fixture-server.js";
import { createTestDatabase } from "../packages/core/test/helpers/test-database.js";
import { measure, report, type RunResult } from "./lib/stats.js";

const ROUNDS = Number(process.env.BENCH_CLIENT_OPS ?? 300);
const count = makeFunctionReference<"query", Record<string, never>, number>("notes:count");
const add = makeFunctionReference<"mutation", { title: string; stars: bigint }, string>("notes:add");

/** A raw protocol client: subscribe once, mutations by request id, results by callback. */
class RawClient {
  private nextRequest = 0;
  private readonly pending = new Map<string, () => void>();
  onCount: (value: number) => void = () => undefined;
  latest = 0;

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; requestId?: string; results?: { value: number }[] };
      if (message.type === "transition") {
        for (const result of message.results ?? []) {
          this.latest = result.value;
          this.onCount(result.value);
        }
      }
      else if (message.type === "mutationResult") this.pending.get(message.requestId!)?.();
    });
  }

  static async open(url: string): Promise<RawClient> {
    const socket = new WebSocket(`${url.replace("http", "ws")}/api/sync`);
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(JSON.stringify({ type: "connect", protocol: 1, sessionId: crypto.randomUUID() }));
    return new RawClient(socket);
  }

  subscribeCount(): void {
    this.socket.send(JSON.stringify({ type: "subscribe", queryId: 1, name: "notes:count", args: {} }));
  }

  mutation(title: string): Promise<void> {
    const requestId = String(this.nextRequest++);
    return new Promise((resolve) => {
      this.pending.set(requestId, () => {
        this.pending.delete(requestId);
        resolve();
      });
      this.socket.send(JSON.stringify({ type: "mutation", requestId, name: "notes:add", args: { title, stars: { $integer: "AQAAAAAAAAA=" } } }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** Resolves once the callback `register` installs sees a value of at least `target`. */
function nextValue(register: (callback: (value: number) => void) => void, target: number): Promise<void> {
  return new Promise((resolve) => {
    register((value) => {
      if (value >= target) resolve();
    });
  });
}

export async function run(): Promise<void> {
  process.env.CONVOY_TEST_DRIVER = "postgres";
  const db = await createTestDatabase();
  const server = await startLiveFixtureServer(db.driver);
  const client = new ConvoyClient(server.url, { webSocketConstructor: WebSocket });
  const raw = await RawClient.open(server.url);
  const writer = await RawClient.open(server.url);
  try {
    let latest = 0;
    let onClientCount: (value: number) => void = () => undefined;
    client.onUpdate(count, {}, (value) => {
      latest = value;
      onClientCount(value);
    });
    raw.subscribeCount();
    await client.mutation(add, { title: "warm-up", stars: 1n });
    for (let i = 0; i < 50; i++) await raw.mutation("warm-up");

    const results: Record<string, RunResult[]> = { clientMutation: [], rawMutation: [], clientPush: [], rawPush: [] };
    for (let round = 0; round < 2; round++) {
      results.rawMutation!.push(await measure("raw ws, mutation", ROUNDS, 1, (i) => raw.mutation(`raw ${i}`)));
      results.clientMutation!.push(await measure("ConvoyClient.mutation", ROUNDS, 1, (i) => client.mutation(add, { title: `client ${i}`, stars: 1n })));
      results.rawPush!.push(
        await measure("raw ws, push", ROUNDS, 1, async (i) => {
          const seen = nextValue((callback) => (raw.onCount = callback), raw.latest + 1);
          await writer.mutation(`push ${i}`);
          await seen;
        }),
      );
      results.clientPush!.push(
        await measure("ConvoyClient.onUpdate, push", ROUNDS, 1, async (i) => {
          const seen = nextValue((callback) => (onClientCount = callback), latest + 1);
          await writer.mutation(`push ${i}`);
          await seen;
        }),
      );
    }
    const best = (runs: RunResult[]) => runs.reduce((a, b) => (a.p50 <= b.p50 ? a : b));
    report(`mutation with read-your-writes (${ROUNDS} sequential, subscribed to notes:count, Postgres)`, best(results.clientMutation!), best(results.rawMutation!));
    report(`push: a write by another socket → the subscriber's callback (${ROUNDS} sequential)`, best(results.clientPush!), best(results.rawPush!));
  } finally {
    raw.close();
    writer.close();
    await client.close();
    await server.close();
    await db.close();
  }
}

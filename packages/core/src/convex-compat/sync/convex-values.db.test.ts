import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { ConvexClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { ensureStorageFor, useTestDatabase } from "../../../test/helpers/test-database.js";
import { mutationGeneric, queryGeneric } from "../../functions/function-builders.js";
import { createRegistrySync } from "../../functions/registry.js";
import { createServer } from "../../http/create-server.js";
import { RealtimeEngine } from "../../realtime/realtime-engine.js";
import { createRuntime } from "../../runtime/index.js";
import { defineSchema, defineTable } from "../../schema/index.js";
import { v } from "../../values/v.js";

/* Every Convex value type through the real `ConvexClient` (convex 1.48, over `ws`), and the heartbeat timeout of Convex's socket. */

const db = useTestDatabase();

const fields = {
  text: v.string(),
  floats: v.array(v.float64()),
  ints: v.array(v.int64()),
  bytes: v.bytes(),
  nothing: v.null(),
  flags: v.array(v.boolean()),
  nested: v.object({ list: v.array(v.any()), deeper: v.object({ n: v.int64(), s: v.string() }) }),
  ref: v.union(v.id("values"), v.null()),
};
const schema = defineSchema({ values: defineTable(fields) });
const values = {
  put: mutationGeneric({ args: fields, handler: async (ctx, args) => ctx.db.insert("values", args) }),
  list: queryGeneric({ args: {}, handler: async (ctx): Promise<unknown> => ctx.db.query("values").collect() }),
  echo: mutationGeneric({ args: fields, handler: (_ctx, args) => Promise.resolve(args) }),
};

type Values = {
  text: string;
  floats: number[];
  ints: bigint[];
  bytes: ArrayBuffer;
  nothing: null;
  flags: boolean[];
  nested: { list: unknown[]; deeper: { n: bigint; s: string } };
  ref: string | null;
};
type Stored = Values & { _id: string; _creationTime: number };
const ref = {
  put: makeFunctionReference<"mutation", Values, string>("values:put"),
  list: makeFunctionReference<"query", Record<string, never>, Stored[]>("values:list"),
  echo: makeFunctionReference<"mutation", Values, Values>("values:echo"),
};

let url: string;
let stop: () => Promise<void>;
let heartbeatUrl: string;
let stopHeartbeat: () => Promise<void>;
const clients: ConvexClient[] = [];

async function serve(heartbeatMs?: number): Promise<{ url: string; close: () => Promise<void> }> {
  const runtime = await createRuntime({ driver: db().driver, schema, registry: createRegistrySync({ values }), ensureStorage: ensureStorageFor(db().driver) });
  const engine = new RealtimeEngine({ runtime });
  const server = createServer({ runtime, realtime: { engine, runtime, ...(heartbeatMs === undefined ? {} : { limits: { heartbeatMs } }) } });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      engine.close();
    },
  };
}

beforeAll(async () => {
  ({ url, close: stop } = await serve());
  ({ url: heartbeatUrl, close: stopHeartbeat } = await serve(50));
});

afterAll(async () => {
  await Promise.all(clients.map((convex) => convex.close()));
  await stop();
  await stopHeartbeat();
});

function client(): ConvexClient {
  const created = new ConvexClient(url, { webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket, skipConvexDeploymentUrlCheck: true, logger: false });
  clients.push(created);
  return created;
}

/** Exact comparison: `Object.is` on numbers (tells -0 from 0, NaN equals NaN), bigints by value, bytes by content. */
function same(actual: unknown, expected: unknown, path = "value"): void {
  if (expected instanceof ArrayBuffer) {
    expect(actual, path).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(actual as ArrayBuffer)], path).toEqual([...new Uint8Array(expected)]);
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, path).toBe(expected.length);
    expected.forEach((item, i) => same((actual as unknown[])[i], item, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === "object") {
    expect(actual !== null && typeof actual === "object" && !Array.isArray(actual), path).toBe(true);
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [key, item] of Object.entries(expected)) same((actual as Record<string, unknown>)[key], item, `${path}.${key}`);
  } else {
    expect(typeof actual, path).toBe(typeof expected);
    const show = (value: unknown) => (Object.is(value, -0) ? "-0" : String(value));
    expect(Object.is(actual, expected), `${path}: ${show(actual)} is ${show(expected)}`).toBe(true);
  }
}

const bytes = new Uint8Array([0, 1, 127, 128, 254, 255]).buffer;
const sample: Values = {
  text: "héllo 🚀 \u{10FFFF} 日本 \"quoted\" \\ \n",
  floats: [0, -0, NaN, Infinity, -Infinity, 1.5, -2.25, Number.MAX_VALUE, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER + 2],
  ints: [0n, -1n, 1n, -(2n ** 63n), 2n ** 63n - 1n],
  bytes,
  nothing: null,
  flags: [true, false],
  nested: { list: [1, "two", null, false, [3n, -0], { deep: NaN }], deeper: { n: -(2n ** 63n), s: "" } },
  ref: null,
};

describe("Convex values over the socket", () => {
  it("round-trips every value type as mutation args, stored rows and live query results, exactly", async () => {
    const writer = client();
    const reader = client();
    const seen: Stored[][] = [];
    let wake: () => void = () => undefined;
    reader.onUpdate(ref.list, {}, (rows) => {
      seen.push(rows);
      wake();
    });
    const until = async (test: (rows: Stored[]) => boolean): Promise<Stored[]> => {
      while (seen.length === 0 || !test(seen.at(-1)!)) await new Promise<void>((resolve) => (wake = resolve));
      return seen.at(-1)!;
    };
    expect(await until(() => true)).toEqual([]);

    same(await writer.mutation(ref.echo, sample), sample);
    // U+0000 and lone surrogates travel over the socket, but Postgres jsonb cannot store them
    // (documented in docs/schema.md): refused, nothing written
    for (const [text, reason] of [["a\u0000b", /U\+0000/], ["a\uD800b", /unpaired surrogates/]] as const) {
      const unstorable = { ...sample, text };
      same(await writer.mutation(ref.echo, unstorable), unstorable);
      await expect(writer.mutation(ref.put, unstorable)).rejects.toThrow(reason);
    }
    expect(await writer.query(ref.list, {})).toEqual([]);
    const first = await writer.mutation(ref.put, sample);
    const second = await writer.mutation(ref.put, { ...sample, ref: first });
    expect(typeof first).toBe("string");

    // the writer reads back both rows (one-shot query), the reader gets them live
    const expected = [
      { ...sample, _id: first },
      { ...sample, ref: first, _id: second },
    ];
    const strip = (rows: Stored[]) => rows.map(({ _creationTime, ...row }) => (expect(typeof _creationTime).toBe("number"), row));
    same(strip(await writer.query(ref.list, {})), expected);
    same(strip(await until((rows) => rows.length === 2)), expected);
  });
});

describe("Convex's socket heartbeat", () => {
  it("closes a socket that sent Connect but never answers pings with 4408", async () => {
    const socket = new WebSocket(`${heartbeatUrl.replace("http", "ws")}/api/1.48.0/sync`, { autoPong: false });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(JSON.stringify({ type: "Connect", sessionId: randomUUID(), connectionCount: 0, lastCloseReason: "InitialConnect", clientTs: 0 }));
    expect(await closed).toEqual({ code: 4408, reason: "heartbeat timeout" });
    // the server still serves other clients
    const other = new ConvexClient(heartbeatUrl, { webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket, skipConvexDeploymentUrlCheck: true, logger: false });
    clients.push(other);
    expect(Array.isArray(await other.query(ref.list, {}))).toBe(true);
  });
});

/*
 * ConvoyClient's protocol edges against a scripted `/api/sync` server (scripted-sync-server.ts):
 * reconnect after a dropped socket and after a server restart, backoff while the server is
 * down, mutations resent with the same id and applied once, auth (re-auth, 4401 refresh),
 * fatal close codes, heartbeats, limits. Node 20 usage: `ws` as the WebSocket class.
 * The same guarantees against the real Convoy server: convoy-client.db.test.ts.
 */
import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { ConvoyClient, ConvoyRequestError, makeFunctionReference, type ConnectionState, type ConvoyClientOptions } from "../../src/browser/index.js";
import { startScriptedServer, type ScriptedServer } from "./scripted-sync-server.js";

const counterGet = makeFunctionReference<"query", Record<string, never>, number>("counter:get");
const whoami = makeFunctionReference<"query", Record<string, never>, string | null>("whoami:get");
const boom = makeFunctionReference<"query", Record<string, never>, never>("boom:get");
const counterAdd = makeFunctionReference<"mutation", { by: number }, number>("counter:add");
const nope = makeFunctionReference<"mutation", Record<string, never>, never>("nope:run");

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(port?: number): Promise<ScriptedServer> {
  const server = await startScriptedServer(port);
  cleanups.push(() => server.close());
  return server;
}

function connect(server: { url: string }, options: ConvoyClientOptions = {}): ConvoyClient {
  const client = new ConvoyClient(server.url, { webSocketConstructor: WebSocket, reconnectBackoff: { initialMs: 20, maxMs: 200 }, ...options });
  cleanups.push(() => client.close());
  return client;
}

/** Collects a subscription's results and resolves when one matches. */
function watch<T>(subscribe: (onResult: (value: T) => void, onError: (error: ConvoyRequestError) => void) => unknown) {
  const values: T[] = [];
  const errors: ConvoyRequestError[] = [];
  let waiters: (() => void)[] = [];
  subscribe(
    (value) => {
      values.push(value);
      for (const waiter of waiters) waiter();
    },
    (error) => {
      errors.push(error);
      for (const waiter of waiters) waiter();
    },
  );
  const until = (predicate: () => boolean) =>
    new Promise<void>((resolve) => {
      if (predicate()) return resolve();
      const waiter = () => {
        if (!predicate()) return;
        waiters = waiters.filter((other) => other !== waiter);
        resolve();
      };
      waiters.push(waiter);
    });
  return { values, errors, until, last: () => values.at(-1) };
}

function phases(client: ConvoyClient): ConnectionState["phase"][] {
  const seen: ConnectionState["phase"][] = [client.connectionState().phase];
  client.subscribeToConnectionState((state) => {
    if (seen.at(-1) !== state.phase) seen.push(state.phase);
  });
  return seen;
}

function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(check, 5);
    };
    check();
  });
}

describe("ConvoyClient (scripted server)", () => {
  it("builds the socket URL from an http(s) or ws(s) address", async () => {
    const server = await serve();
    expect(connect(server).url).toBe(`ws://127.0.0.1:${server.port}/api/sync`);
    expect(connect({ url: `${server.url}/` }).url).toBe(`ws://127.0.0.1:${server.port}/api/sync`);
    const secure = new ConvoyClient("https://example.com/app/", { webSocketConstructor: WebSocket, reconnectBackoff: { initialMs: 60_000 } });
    expect(secure.url).toBe("wss://example.com/app/api/sync");
    await secure.close();
    expect(() => new ConvoyClient("ftp://example.com", { webSocketConstructor: WebSocket })).toThrow(/http\(s\) or ws\(s\)/);
  });

  it("says to pass ws's WebSocket when the runtime has none (Node 20)", () => {
    const global = globalThis as { WebSocket?: unknown };
    const saved = global.WebSocket;
    delete global.WebSocket;
    try {
      expect(() => new ConvoyClient("http://127.0.0.1:1")).toThrow(/webSocketConstructor/);
    } finally {
      if (saved !== undefined) global.WebSocket = saved;
    }
  });

  it("pushes the first result, then every change; a mutation resolves after the subscription shows it", async () => {
    const server = await serve();
    const client = connect(server);
    const counter = watch<number>((onResult, onError) => client.onUpdate(counterGet, {}, onResult, onError));
    await counter.until(() => counter.values.length === 1);
    expect(counter.values).toEqual([0]);
    const result = await client.mutation(counterAdd, { by: 2 });
    // read your writes: the subscription had the new value before the mutation resolved
    expect(result).toBe(2);
    expect(counter.last()).toBe(2);
    server.setCounter(10);
    await counter.until(() => counter.last() === 10);
    expect(counter.values).toEqual([0, 2, 10]);
    expect(await client.query(counterGet)).toBe(10);
  });

  it("shares one server subscription between identical onUpdate calls, and unsubscribes with the last", async () => {
    const server = await serve();
    const client = connect(server);
    const first = watch<number>((onResult) => client.onUpdate(counterGet, {}, onResult));
    await first.until(() => first.values.length === 1);
    const stopSecond = client.onUpdate(counterGet, {}, () => undefined);
    const second = watch<number>((onResult) => client.onUpdate(counterGet, {}, onResult));
    // a late subscriber gets the known result at once
    await second.until(() => second.values.length === 1);
    expect(second.values).toEqual([0]);
    expect(stopSecond.getCurrentValue()).toBe(0);
    const socket = server.sockets[0]!;
    expect(socket.received.filter((message) => message.type === "subscribe")).toHaveLength(1);
    stopSecond();
    const stopThird = client.onUpdate(counterGet, {}, () => undefined);
    stopThird.unsubscribe();
    expect(socket.received.filter((message) => message.type === "unsubscribe")).toHaveLength(0);
  });

  it("reconnects after a dropped socket, resubscribes, and shows the current result", async () => {
    const server = await serve();
    const client = connect(server);
    const seen = phases(client);
    const counter = watch<number>((onResult) => client.onUpdate(counterGet, {}, onResult));
    await counter.until(() => counter.values.length === 1);
    const reconnected = server.nextSocket();
    server.sockets[0]!.terminate();
    // a write while the client is away
    server.setCounter(7);
    const socket = await reconnected;
    await counter.until(() => counter.last() === 7);
    expect(socket.received.map((message) => message.type)).toEqual(["connect", "subscribe"]);
    expect(seen).toEqual(["connecting", "connected", "disconnected", "connecting", "connected"]);
    expect(client.connectionState()).toMatchObject({ isWebSocketConnected: true, hasEverConnected: true, connectionCount: 2 });
  });

  it("backs off while the server is down and comes back after a restart on the same port", async () => {
    const server = await startScriptedServer();
    const client = connect(server, { reconnectBackoff: { initialMs: 10, maxMs: 80 } });
    const counter = watch<number>((onResult) => client.onUpdate(counterGet, {}, onResult));
    await counter.until(() => counter.values.length === 1);
    const port = server.port;
    await server.close();
    await until(() => client.connectionState().connectionRetries >= 4, "four failed attempts");
    expect(client.connectionState()).toMatchObject({ isWebSocketConnected: false });
    const restarted = await serve(port);
    restarted.setCounter(42);
    await counter.until(() => counter.last() === 42);
    await until(() => client.connectionState().connectionRetries === 0, "the backoff to reset");
    expect(client.connectionState().phase).toBe("connected");
  });

  it("resends an unanswered mutation with the same request id after a drop; it is applied once", async () => {
    const server = await serve();
    const client = connect(server);
    const counter = watch<number>((onResult) => client.onUpdate(counterGet, {}, onResult));
    await counter.until(() => counter.values.length === 1);
    // apply, then lose the socket before the answer arrives
    server.onMutationApplied = (socket) => {
      server.onMutationApplied = undefined;
      socket.terminate();
      return "hold";
    };
    const result = await client.mutation(counterAdd, { by: 5 });
    expect(result).toBe(5);
    expect(server.counter).toBe(5);
    expect(server.applied).toHaveLength(1);
    expect(counter.last()).toBe(5);
    const mutations = await server.waitFor((message, socket) => message.type === "mutation" && socket === server.sockets[0]);
    expect(mutations.message.requestId).toBe(server.applied[0]!.split(":")[1]);
  });

  it("sends mutations queued while disconnected once it reconnects", async () => {
    const server = await serve();
    const client = connect(server);
    await until(() => client.connectionState().isWebSocketConnected, "connected");
    const reconnected = server.nextSocket();
    server.sockets[0]!.terminate();
    await until(() => !client.connectionState().isWebSocketConnected, "disconnected");
    const pending = [client.mutation(counterAdd, { by: 1 }), client.mutation(counterAdd, { by: 1 })];
    expect(client.connectionState()).toMatchObject({ hasInflightRequests: true, inflightMutations: 2 });
    await reconnected;
    expect(await Promise.all(pending)).toEqual([1, 2]);
    expect(client.connectionState()).toMatchObject({ hasInflightRequests: false, inflightMutations: 0, timeOfOldestInflightRequest: null });
  });

  it("rejects failed requests and reports failed subscriptions with ConvoyRequestError", async () => {
    const server = await serve();
    const client = connect(server);
    const error = await client.mutation(nope).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvoyRequestError);
    expect(error).toMatchObject({ code: "NOT_FOUND", status: 404 });
    const failing = watch<never>((onResult, onError) => client.onUpdate(boom, {}, onResult, onError));
    await failing.until(() => failing.errors.length === 1);
    expect(failing.errors[0]).toMatchObject({ code: "APPLICATION_ERROR", status: 400, message: "boom", data: { big: 1n } });
    await expect(client.query(boom)).rejects.toMatchObject({ code: "APPLICATION_ERROR" });
  });

  it("setAuth: the token goes first, a new token re-runs subscriptions, clearAuth signs out", async () => {
    const server = await serve();
    const client = connect(server);
    const changes: boolean[] = [];
    client.setAuth(() => "user:ada", (signedIn) => changes.push(signedIn));
    const me = watch<string | null>((onResult) => client.onUpdate(whoami, {}, onResult));
    await me.until(() => me.last() === "ada");
    expect(server.sockets[0]!.received.map((message) => message.type).slice(0, 3)).toEqual(["connect", "authenticate", "subscribe"]);
    client.setAuth(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return "user:grace";
    });
    // held until the new identity is sent: the mutation runs as grace, not ada
    await client.mutation(counterAdd, { by: 1 });
    const types = server.sockets[0]!.received.map((message) => message.type);
    expect(types.lastIndexOf("authenticate")).toBeLessThan(types.lastIndexOf("mutation"));
    await me.until(() => me.last() === "grace");
    client.clearAuth();
    await me.until(() => me.last() === null);
    expect(me.values).toEqual(["ada", "grace", null]);
    expect(changes).toEqual([true]);
  });

  it("on 4401 fetches a fresh token (forceRefreshToken) and reconnects; a second refusal signs out", async () => {
    const server = await serve();
    const client = connect(server);
    const calls: boolean[] = [];
    const changes: boolean[] = [];
    let token = "expired";
    client.setAuth(
      ({ forceRefreshToken }) => {
        calls.push(forceRefreshToken);
        return token;
      },
      (signedIn) => changes.push(signedIn),
    );
    token = "expired";
    const me = watch<string | null>((onResult) => client.onUpdate(whoami, {}, onResult));
    // first refusal → fresh token, still bad → signed out, subscriptions run anonymous
    await me.until(() => me.values.length === 1);
    expect(me.values).toEqual([null]);
    expect(calls).toEqual([false, true]);
    expect(changes).toEqual([false]);
    token = "user:ada";
    client.setAuth(({ forceRefreshToken }) => {
      calls.push(forceRefreshToken);
      return token;
    });
    await me.until(() => me.last() === "ada");
    expect(calls.at(-1)).toBe(false);
  });

  it("stops for good on 4400: requests reject, subscriptions get the error, the state says why", async () => {
    const server = await serve();
    const client = connect(server);
    const counter = watch<number>((onResult, onError) => client.onUpdate(counterGet, {}, onResult, onError));
    await counter.until(() => counter.values.length === 1);
    server.onMutationApplied = () => "hold";
    const pending = client.mutation(counterAdd, { by: 1 }).catch((e: unknown) => e);
    await server.waitFor((message) => message.type === "mutation");
    server.sockets[0]!.close(4400, "malformed message");
    const error = await pending;
    expect(error).toMatchObject({ code: "BAD_REQUEST", data: { closeCode: 4400, reason: "malformed message" } });
    await counter.until(() => counter.errors.length === 1);
    expect(client.connectionState()).toMatchObject({ phase: "closed", isWebSocketConnected: false });
    expect(client.connectionState().error?.code).toBe("BAD_REQUEST");
    await expect(client.mutation(counterAdd, { by: 1 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.sockets).toHaveLength(0);
  });

  it("replaces a socket that stops answering (heartbeat timeout)", async () => {
    const server = await serve();
    const client = connect(server, { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 100 });
    const counter = watch<number>((onResult) => client.onUpdate(counterGet, {}, onResult));
    await counter.until(() => counter.values.length === 1);
    const first = server.sockets[0]!;
    await server.waitFor((message, socket) => message.type === "ping" && socket === first);
    server.answerPings = false;
    const next = await server.nextSocket();
    expect(next).not.toBe(first);
    server.answerPings = true;
    server.setCounter(3);
    await counter.until(() => counter.last() === 3);
  });

  it("refuses arguments over 1 MiB without sending them, and keeps at most 64 requests unanswered", async () => {
    const server = await serve();
    const client = connect(server);
    const big = makeFunctionReference<"mutation", { text: string }, null>("counter:add");
    await expect(client.mutation(big, { text: "x".repeat(1024 * 1024) })).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE", status: 413 });
    await until(() => client.connectionState().isWebSocketConnected, "connected");
    server.onMutationApplied = () => "hold";
    const held = Array.from({ length: 70 }, () => void client.mutation(counterAdd, { by: 1 }).catch(() => undefined));
    expect(held).toHaveLength(70);
    await until(() => server.applied.length === 64, "64 mutations");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.applied).toHaveLength(64);
    expect(client.connectionState().inflightMutations).toBe(70);
  });

  it("close() rejects what is unanswered with ABORTED and closes the socket", async () => {
    const server = await serve();
    const client = connect(server);
    await until(() => client.connectionState().isWebSocketConnected, "connected");
    server.onMutationApplied = () => "hold";
    const pending = client.mutation(counterAdd, { by: 1 }).catch((e: unknown) => e);
    await server.waitFor((message) => message.type === "mutation");
    await client.close();
    expect(await pending).toMatchObject({ code: "ABORTED" });
    expect(client.connectionState().phase).toBe("closed");
    await until(() => server.sockets.length === 0, "the server to see the close");
  });
});

/*
 * ConvoyClient end to end against the real Convoy server (`/api/sync`, the fixture app), on
 * PGlite and on Postgres, from Node 20 with `ws` as the WebSocket class: live results,
 * read-your-writes, reconnect after a cut socket and after a server restart on the same
 * database (resubscribed, final results correct, an unanswered mutation applied exactly once),
 * setAuth re-running subscriptions and recovering from a refused token.
 */
import WebSocket from "ws";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConvoyClient, type ConnectionState, type ConvoyClientOptions, type ConvoyRequestError } from "../../src/browser/index.js";
import { useTestDatabase } from "../helpers/test-database.js";
import { api } from "./fixture/convoy/_generated/api.js";
import type { Doc } from "./fixture/convoy/_generated/dataModel.js";
import { startLiveFixtureServer, type LiveFixtureServer } from "./fixture-server.js";
import { liveSockets } from "./live-socket.js";

const db = useTestDatabase();
let server: LiveFixtureServer;
const clients: ConvoyClient[] = [];

beforeAll(async () => {
  server = await startLiveFixtureServer(db().driver);
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  await db().driver.query("DELETE FROM notes; DELETE FROM tags");
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

function connect(options: ConvoyClientOptions = {}): ConvoyClient {
  const client = new ConvoyClient(server.url, { webSocketConstructor: WebSocket, reconnectBackoff: { initialMs: 20, maxMs: 250 }, ...options });
  clients.push(client);
  return client;
}

/** A subscription's results, and a way to wait for one. */
function watch<T>(subscribe: (onResult: (value: T) => void, onError: (error: ConvoyRequestError) => void) => unknown) {
  const values: T[] = [];
  const errors: ConvoyRequestError[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  subscribe(
    (value) => {
      values.push(value);
      wake();
    },
    (error) => {
      errors.push(error);
      wake();
    },
  );
  const until = (predicate: () => boolean, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      if (predicate()) return resolve();
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`timed out; results so far: ${JSON.stringify(values, (_key, value: unknown) => (typeof value === "bigint" ? `${value}n` : value))}`));
      }, timeoutMs);
      const waiter = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve();
      };
      waiters.add(waiter);
    });
  return { values, errors, until, last: () => values.at(-1) };
}

function until(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error("timed out"));
      else setTimeout(check, 5);
    };
    check();
  });
}

const titles = (notes: Doc<"notes">[] | undefined) => notes?.map((note) => note.title) ?? [];

describe("ConvoyClient against the real server", () => {
  it("pushes the first result and every change; mutation() resolves after the subscription shows it", async () => {
    const client = connect();
    const notes = watch<Doc<"notes">[]>((onResult, onError) => client.onUpdate(api.notes.list, {}, onResult, onError));
    await notes.until(() => notes.values.length === 1);
    expect(notes.values).toEqual([[]]);
    const id = await client.mutation(api.notes.add, { title: "first", stars: 3n });
    // read your writes: already pushed when the mutation resolved
    expect(notes.last()?.map((note) => [note._id, note.title, note.stars])).toEqual([[id, "first", 3n]]);
    expect(await client.query(api.notes.count)).toBe(1);

    // another client's write is pushed too
    const other = connect();
    await other.mutation(api.notes.add, { title: "second", stars: 1n });
    await notes.until(() => titles(notes.last()).length === 2);
    expect(titles(notes.last())).toEqual(["first", "second"]);
    expect(notes.errors).toEqual([]);
  });

  it("concurrent writers: each client's results only move forward, end at the final state, and show its own writes when they resolve", async () => {
    const writers = [connect(), connect(), connect()];
    const watched = writers.map((client) => ({
      client,
      counts: watch<number>((onResult) => client.onUpdate(api.notes.count, {}, onResult)),
      notes: watch<Doc<"notes">[]>((onResult) => client.onUpdate(api.notes.list, {}, onResult)),
    }));
    await Promise.all(watched.map(({ counts, notes }) => Promise.all([counts.until(() => counts.values.length > 0), notes.until(() => notes.values.length > 0)])));
    const missing: string[] = [];
    await Promise.all(
      watched.map(({ client, notes }, w) =>
        Promise.all(
          Array.from({ length: 10 }, async (_, i) => {
            const id = await client.mutation(api.notes.add, { title: `w${w}-${i}`, stars: BigInt(i) });
            // read your writes, under concurrency: this client's subscription already has it
            if (!(notes.last() ?? []).some((note) => note._id === id)) missing.push(`w${w}-${i}`);
          }),
        ),
      ),
    );
    expect(missing).toEqual([]);
    for (const { counts, notes } of watched) {
      await counts.until(() => counts.last() === 30);
      await notes.until(() => notes.last()?.length === 30);
      // never an older result after a newer one: inserts only, so counts never go down
      expect(counts.values).toEqual([...counts.values].sort((a, b) => a - b));
      expect(new Set(counts.values).size).toBe(counts.values.length);
      const lengths = notes.values.map((list) => list.length);
      expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    }
  });

  it("rejects failed mutations and queries with ConvoyRequestError codes and data", async () => {
    const client = connect();
    await expect(client.mutation(api.notes.add, { title: "", stars: 1n })).rejects.toMatchObject({ code: "APPLICATION_ERROR", status: 400, data: { reason: "EMPTY_TITLE", max: 100n } });
    // @ts-expect-error -- wrong args on purpose: the server answers ARGS_INVALID
    await expect(client.query(api.notes.byTitle, { title: 1 })).rejects.toMatchObject({ code: "ARGS_INVALID" });
    expect(await client.query(api.notes.count)).toBe(0);
  });

  it("reconnects after the socket is cut, resubscribes, and shows what changed meanwhile", async () => {
    const sockets = liveSockets();
    const client = connect({ webSocketConstructor: sockets.WebSocketClass });
    const seen: ConnectionState["phase"][] = [];
    client.subscribeToConnectionState((state) => {
      if (seen.at(-1) !== state.phase) seen.push(state.phase);
    });
    const count = watch<number>((onResult) => client.onUpdate(api.notes.count, {}, onResult));
    await count.until(() => count.values.length === 1);
    sockets.cut();
    await connect().mutation(api.notes.add, { title: "while away", stars: 1n });
    await count.until(() => count.last() === 1);
    expect(sockets.sockets).toHaveLength(2);
    expect(seen).toEqual(["connected", "disconnected", "connecting", "connected"]);
    expect(client.connectionState()).toMatchObject({ phase: "connected", connectionCount: 2, hasInflightRequests: false });
  });

  it("resends a mutation whose answer was lost with the same request id: applied exactly once", async () => {
    const sockets = liveSockets();
    const client = connect({ webSocketConstructor: sockets.WebSocketClass });
    const notes = watch<Doc<"notes">[]>((onResult) => client.onUpdate(api.notes.list, {}, onResult));
    await notes.until(() => notes.values.length === 1);
    sockets.loseNextMutationResult();
    const id = await client.mutation(api.notes.add, { title: "once", stars: 1n });
    expect(sockets.sockets).toHaveLength(2);
    const rows = await db().driver.query<{ n: number }>("SELECT count(*)::int AS n FROM notes");
    expect(rows.rows[0]!.n).toBe(1);
    expect(notes.last()?.map((note) => note._id)).toEqual([id]);
  });

  it("comes back after a server restart on the same database: resubscribed, queued mutations applied once", async () => {
    const client = connect();
    const notes = watch<Doc<"notes">[]>((onResult) => client.onUpdate(api.notes.list, {}, onResult));
    await notes.until(() => notes.values.length === 1);
    await client.mutation(api.notes.add, { title: "before", stars: 1n });
    const port = server.port;
    await server.close();
    await until(() => !client.connectionState().isWebSocketConnected);
    // sent while the server is down: queued, then sent once it is back
    const during = client.mutation(api.notes.add, { title: "during", stars: 2n });
    server = await startLiveFixtureServer(db().driver, port);
    await during;
    expect(titles(notes.last())).toEqual(["before", "during"]);
    const rows = await db().driver.query<{ title: string }>("SELECT data->>'title' AS title FROM notes ORDER BY 1");
    expect(rows.rows.map((row) => row.title).sort()).toEqual(["before", "during"]);
    expect(client.connectionState()).toMatchObject({ phase: "connected", connectionRetries: 0 });
  });

  it("a mutation whose answer was lost in a server restart is resent to the new server and applied once", async () => {
    const sockets = liveSockets();
    // a slow first reconnect: the server is down before the client tries again
    const client = connect({ webSocketConstructor: sockets.WebSocketClass, reconnectBackoff: { initialMs: 600, maxMs: 600 } });
    const count = watch<number>((onResult) => client.onUpdate(api.notes.count, {}, onResult));
    await count.until(() => count.values.length === 1);
    const port = server.port;
    let stopped: Promise<void> | undefined;
    sockets.loseNextMutationResult(() => {
      stopped = server.close();
    });
    const pending = client.mutation(api.notes.add, { title: "across a restart", stars: 1n });
    await until(() => stopped !== undefined);
    await stopped;
    server = await startLiveFixtureServer(db().driver, port);
    const id = await pending;
    const rows = await db().driver.query<{ n: number }>("SELECT count(*)::int AS n FROM notes");
    expect(rows.rows[0]!.n).toBe(1);
    expect(count.last()).toBe(1);
    expect(await client.query(api.notes.byTitle, { title: "across a restart" })).toMatchObject({ _id: id });
  });

  it("setAuth re-runs subscriptions under the new identity; a refused token is refreshed (forceRefreshToken)", async () => {
    const client = connect();
    const me = watch<string | null>((onResult) => client.onUpdate(api.me.subject, {}, onResult));
    await me.until(() => me.values.length === 1);
    expect(me.values).toEqual([null]);
    const changes: boolean[] = [];
    client.setAuth(() => "tok:ada", (signedIn) => changes.push(signedIn));
    await me.until(() => me.last() === "ada");
    // an expired token: the server closes 4401, the client asks for a fresh one and reconnects
    const asked: boolean[] = [];
    client.setAuth(({ forceRefreshToken }) => {
      asked.push(forceRefreshToken);
      return forceRefreshToken ? "tok:grace" : "expired";
    });
    await me.until(() => me.last() === "grace");
    expect(asked).toEqual([false, true]);
    client.clearAuth();
    await me.until(() => me.last() === null);
    expect(me.values).toEqual([null, "ada", "grace", null]);
    expect(changes).toEqual([true]);
  });
});

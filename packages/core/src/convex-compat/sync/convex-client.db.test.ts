import { randomUUID } from "node:crypto";
import { ConvexClient } from "convex/browser";
import { ConvexError } from "convex/values";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { useTestDatabase } from "../../../test/helpers/test-database.js";
import { ref, startConvexAppServer, type ConvexAppServer } from "../fixtures/convex-app.js";

/* The real `ConvexClient` (convex 1.48, over `ws`) against a Convoy server: Convex's sync protocol. */

const db = useTestDatabase();
let server: ConvexAppServer;
const clients: ConvexClient[] = [];

/** `ws` that the tests can cut, or make lose the next `MutationResponse` (cutting the socket instead). */
class TestSocket extends WebSocket {
  static all: TestSocket[] = [];
  static loseNextMutationResponse = false;

  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols);
    TestSocket.all.push(this);
    const property = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage")!;
    Object.defineProperty(this, "onmessage", {
      get: () => property.get!.call(this) as unknown,
      set: (handler: ((event: { data: unknown }) => void) | null) => {
        property.set!.call(this, (event: { data: unknown }) => {
          if (TestSocket.loseNextMutationResponse && String(event.data).includes('"MutationResponse"')) {
            TestSocket.loseNextMutationResponse = false;
            this.terminate();
            return;
          }
          handler?.(event);
        });
      },
    });
  }
}

function client(): ConvexClient {
  const created = new ConvexClient(server.url, { webSocketConstructor: TestSocket as unknown as typeof globalThis.WebSocket, skipConvexDeploymentUrlCheck: true, logger: false });
  clients.push(created);
  return created;
}

/** Every result and error `onUpdate` delivers, and a way to wait for a state. */
function watch<T>(convex: ConvexClient, query: Parameters<ConvexClient["onUpdate"]>[0], args: Record<string, unknown>) {
  const results: T[] = [];
  const errors: Error[] = [];
  let wake: () => void = () => undefined;
  const unsubscribe = convex.onUpdate(
    query,
    args,
    (result: unknown) => {
      results.push(result as T);
      wake();
    },
    (error) => {
      errors.push(error);
      wake();
    },
  );
  return {
    results,
    errors,
    unsubscribe,
    /** The latest result once one passes `test`. */
    async until(test: (latest: T) => boolean): Promise<T> {
      while (results.length === 0 || !test(results.at(-1)!)) await new Promise<void>((resolve) => (wake = resolve));
      return results.at(-1)!;
    },
    /** The first error. */
    async error(): Promise<Error> {
      while (errors.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return errors[0]!;
    },
  };
}

async function count(table: string): Promise<number> {
  const { rows } = await db().driver.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`);
  return Number(rows[0]!.n);
}

beforeAll(async () => {
  server = await startConvexAppServer(db().driver);
});

afterAll(async () => {
  await Promise.all(clients.map((convex) => convex.close()));
  await server.close();
});

beforeEach(async () => {
  await db().driver.query("DELETE FROM notes");
  await db().driver.query("DELETE FROM items");
});

describe("ConvexClient against Convoy", () => {
  it("pushes live updates, resolves a mutation once its write shows, and applies the rules per identity", async () => {
    const ada = client();
    ada.setAuth(async () => server.issuer.sign({ sub: "ada" }));
    const bob = client();
    bob.setAuth(async () => server.issuer.sign({ sub: "bob" }));
    const adaNotes = watch<string[]>(ada, ref.list, {});
    const bobNotes = watch<string[]>(bob, ref.list, {});
    expect(await adaNotes.until(() => true)).toEqual([]);
    expect(await ada.query(ref.whoami, {})).toBe("ada");
    await ada.mutation(ref.add, { body: "ada's" });
    // read your writes: the subscription shows the note when the mutation resolves
    expect(adaNotes.results.at(-1)).toEqual(["ada's"]);
    await bob.mutation(ref.add, { body: "bob's" });
    expect(await bobNotes.until((notes) => notes.length > 0)).toEqual(["bob's"]);
    expect(adaNotes.results.at(-1)).toEqual(["ada's"]); // bob's note is not ada's to read
    // anonymous: the insert rule refuses, and nothing is visible
    const anonymous = client();
    await expect(anonymous.mutation(ref.add, { body: "anon" })).rejects.toThrow(/FORBIDDEN|not allowed|denied/i);
    expect(await anonymous.query(ref.list, {})).toEqual([]);
    expect(await count("notes")).toBe(2);
  });

  it("delivers ConvoyError data as ConvexError data, for mutations, live queries and actions, with nothing written", async () => {
    const ada = client();
    ada.setAuth(async () => server.issuer.sign({ sub: "ada" }));
    const error = await ada.mutation(ref.refuse, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ reason: string; left: bigint; code: number }>).data).toEqual({ reason: "sold out", left: 0n, code: 7 });
    const failed = await watch<null>(ada, ref.broken, {}).error();
    expect(failed).toBeInstanceOf(ConvexError);
    expect(failed).toMatchObject({ data: { why: "always" } });
    expect(await count("notes")).toBe(0);
    // actions answer over the socket too, errors with their data
    expect(await ada.action(ref.shout, { body: "hi" })).toBe("HI");
    await expect(ada.action(ref.shout, { body: "" })).rejects.toMatchObject({ data: { empty: true } });
  });

  it("reconnects after the socket is cut, resubscribes, and applies a mutation whose answer was lost exactly once", async () => {
    const ada = client();
    ada.setAuth(async () => server.issuer.sign({ sub: "ada" }));
    const adaNotes = watch<string[]>(ada, ref.list, {});
    await adaNotes.until(() => true);
    const before = TestSocket.all.length;
    TestSocket.loseNextMutationResponse = true;
    const id = await ada.mutation(ref.add, { body: "once" });
    expect(TestSocket.all.length).toBeGreaterThan(before); // the answer was lost with its socket; the retry was answered
    expect(typeof id).toBe("string");
    expect(await count("notes")).toBe(1);
    expect(adaNotes.results.at(-1)).toEqual(["once"]);
    // cut again: writes made meanwhile by another client arrive once it is back
    TestSocket.all.at(-1)!.terminate();
    const other = client();
    other.setAuth(async () => server.issuer.sign({ sub: "ada" }));
    await other.mutation(ref.add, { body: "while away" });
    expect((await adaNotes.until((notes) => notes.length === 2)).sort()).toEqual(["once", "while away"]);
  });

  it("paginates like usePaginatedQuery with no duplicates or gaps while rows are inserted and deleted", async () => {
    const writer = client();
    for (let n = 0; n < 20; n += 2) await writer.mutation(ref.addItem, { n });
    const reader = client();
    let latest: { results: { n: number }[]; status: string; loadMore: (count: number) => boolean } | undefined;
    let wake: () => void = () => undefined;
    reader.onPaginatedUpdate_experimental(ref.page, {} as never, { initialNumItems: 3 }, (result) => {
      latest = result as unknown as typeof latest;
      wake();
    });
    const until = async (test: () => boolean): Promise<void> => {
      while (!test()) await new Promise<void>((resolve) => (wake = resolve));
    };
    for (;;) {
      await until(() => latest !== undefined && latest.status !== "LoadingFirstPage" && latest.status !== "LoadingMore");
      if (latest!.status === "Exhausted") break;
      latest!.loadMore(3);
    }
    const ns = () => latest!.results.map((item) => item.n);
    expect(ns()).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    // inserts inside every page and at both ends, deletes at page boundaries, by the reader
    // itself: when its last mutation resolves, its pages show every write (read your writes)
    // (the first page grows past twice its size: the client splits it at the splitCursor)
    for (const n of [-1, 1, 3, 3.5, 5, 7, 9, 13, 17, 19, 25]) await reader.mutation(ref.addItem, { n });
    for (const n of [4, 6, 10, 18]) await reader.mutation(ref.removeItem, { n });
    expect(ns()).toEqual([-1, 0, 1, 2, 3, 3.5, 5, 7, 8, 9, 12, 13, 14, 16, 17, 19, 25]);
    expect(latest!.status).toBe("Exhausted");
  });
});

describe("Convex's sync protocol, frame by frame", () => {
  async function open(url = server.url): Promise<{ socket: WebSocket; messages: Record<string, unknown>[]; closed: Promise<{ code: number; reason: string }>; next: (type: string) => Promise<Record<string, unknown>> }> {
    const socket = new WebSocket(`${url.replace("http", "ws")}/api/1.48.0/sync`);
    const messages: Record<string, unknown>[] = [];
    let wake: () => void = () => undefined;
    socket.on("message", (data: Buffer) => {
      messages.push(JSON.parse(data.toString("utf8")) as Record<string, unknown>);
      wake();
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    await new Promise((resolve) => socket.on("open", resolve));
    let read = 0;
    const next = async (type: string) => {
      for (;;) {
        while (read < messages.length) {
          const message = messages[read++]!;
          if (message.type === type) return message;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    };
    return { socket, messages, closed, next };
  }
  /** A Connect of a new session (request ids are per session). */
  const connect = () => ({ type: "Connect", sessionId: randomUUID(), connectionCount: 0, lastCloseReason: "InitialConnect", clientTs: 0 });

  it("keeps the client's versions: transitions chain, and a mutation's ts is covered by a later transition", async () => {
    const { socket, next, messages } = await open();
    socket.send(JSON.stringify(connect()));
    socket.send(JSON.stringify({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [{ type: "Add", queryId: 0, udfPath: "items.js:page", args: [{ paginationOpts: { numItems: 2, cursor: null } }] }] }));
    const first = await next("Transition");
    expect(first.startVersion).toEqual({ querySet: 0, identity: 0, ts: "AAAAAAAAAAA=" });
    expect(first.modifications).toEqual([{ type: "QueryUpdated", queryId: 0, value: { page: [], isDone: true, continueCursor: expect.any(String) as unknown }, logLines: [], journal: expect.any(String) as unknown }]);
    // the query set version the client sent is claimed once its queries' first results were sent
    let claimed = first;
    while ((claimed.endVersion as { querySet: number }).querySet !== 1) claimed = await next("Transition");
    expect(claimed.endVersion).toMatchObject({ querySet: 1, identity: 0 });
    socket.send(JSON.stringify({ type: "Mutation", requestId: 0, udfPath: "items.js:add", args: [{ n: 1 }] }));
    const answer = await next("MutationResponse");
    expect(answer).toMatchObject({ requestId: 0, success: true, logLines: [] });
    const ts = Buffer.from(answer.ts as string, "base64").readBigUInt64LE();
    const tsOf = (transition: Record<string, unknown>) => Buffer.from((transition.endVersion as { ts: string }).ts, "base64").readBigUInt64LE();
    for (;;) if (tsOf(await next("Transition")) >= ts) break;
    const transitions = messages.filter((message) => message.type === "Transition");
    transitions.slice(1).forEach((transition, i) => expect(transition.startVersion).toEqual(transitions[i]!.endVersion));
    const previous = transitions.at(-1)!;
    socket.send(JSON.stringify({ type: "ModifyQuerySet", baseVersion: 1, newVersion: 2, modifications: [{ type: "Remove", queryId: 0 }] }));
    const removed = await next("Transition");
    expect(removed).toMatchObject({ startVersion: previous.endVersion, endVersion: { querySet: 2 }, modifications: [{ type: "QueryRemoved", queryId: 0 }] });
    socket.close();
  });

  it("answers a mutation resent by the same session to another server (a restart) from the request log, without applying it again", async () => {
    const session = connect();
    const mutation = JSON.stringify({ type: "Mutation", requestId: 7, udfPath: "items.js:add", args: [{ n: 1 }] });
    const first = await open();
    first.socket.send(JSON.stringify(session));
    first.socket.send(mutation);
    const answered = await first.next("MutationResponse");
    first.socket.close();
    const restarted = await startConvexAppServer(db().driver);
    try {
      const second = await open(restarted.url);
      second.socket.send(JSON.stringify({ ...session, connectionCount: 1, lastCloseReason: "closed with code 1006" }));
      second.socket.send(mutation);
      expect(await second.next("MutationResponse")).toMatchObject({ requestId: 7, success: true, result: answered.result });
      second.socket.close();
    } finally {
      await restarted.close();
    }
    expect(await count("items")).toBe(1);
  });

  it("sends Convex's Ping on the heartbeat, and closes a socket over its subscription limit with 4429", async () => {
    const limited = await startConvexAppServer(db().driver, { limits: { heartbeatMs: 50, maxSubscriptions: 2 } });
    try {
      const { socket, next, closed } = await open(limited.url);
      socket.send(JSON.stringify(connect()));
      expect(await next("Ping")).toEqual({ type: "Ping" });
      const add = (queryId: number) => ({ type: "Add", queryId, udfPath: "notes:list", args: [{}] });
      socket.send(JSON.stringify({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [add(0), add(1), add(2)] }));
      expect(await closed).toEqual({ code: 4429, reason: "more than 2 subscriptions" });
    } finally {
      await limited.close();
    }
  });

  it("answers hostile frames with FatalError and close 4400, and writes nothing", async () => {
    const hostile: [string[], RegExp][] = [
      [["not json"], /not JSON/],
      [[JSON.stringify({ type: "Mutation", requestId: 0, udfPath: "items:add", args: [{ n: 1 }] })], /first message must be Connect/],
      [[JSON.stringify(connect()), JSON.stringify({ type: "Explode" })], /unknown message type/],
      [[JSON.stringify(connect()), JSON.stringify({ type: "Mutation", requestId: 0, udfPath: "items:add", args: { n: 1 } })], /"args" must be an array/],
      [[JSON.stringify(connect()), JSON.stringify({ type: "ModifyQuerySet", baseVersion: 3, newVersion: 4, modifications: [] })], /query set version 3/],
      [[JSON.stringify(connect()), JSON.stringify({ type: "Authenticate", tokenType: "None", baseVersion: 5 })], /identity version 5/],
      [[JSON.stringify(connect()), JSON.stringify({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [{ type: "Remove", queryId: 9 }] })], /not in the query set/],
      [[JSON.stringify(connect()), JSON.stringify(connect())], /Connect was already sent/],
    ];
    for (const [frames, reason] of hostile) {
      const { socket, closed, next } = await open();
      for (const frame of frames) socket.send(frame);
      expect(((await next("FatalError")).error as string)).toMatch(reason);
      const { code, reason: closeReason } = await closed;
      expect(code).toBe(4400);
      expect(closeReason).toMatch(reason);
    }
    // a refused token is an AuthError; the socket stays open
    const { socket, next } = await open();
    socket.send(JSON.stringify(connect()));
    socket.send(JSON.stringify({ type: "Authenticate", tokenType: "User", baseVersion: 0, value: "not.a.jwt" }));
    expect(await next("AuthError")).toMatchObject({ baseVersion: 0, authUpdateAttempted: true, error: expect.stringMatching(/UNAUTHENTICATED/) as unknown });
    socket.send(JSON.stringify({ type: "Mutation", requestId: 0, udfPath: "items:add", args: [{ n: { $integer: "!!" } }] }));
    expect(await next("MutationResponse")).toMatchObject({ requestId: 0, success: false, result: expect.stringMatching(/args/) as unknown });
    socket.close();
    expect(await count("items")).toBe(0);
  });
});

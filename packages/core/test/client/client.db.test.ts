/*
 * ConvoyHttpClient against a real server (the fixture app in ./fixture), on PGlite and on
 * Postgres: typed calls, value decoding, errors, auth, timeouts, aborts and retries.
 */
import { SignJWT } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { accessOverlaps, ConvoyHttpClient, ConvoyRequestError, makeFunctionReference, type CallAccess } from "../../src/browser/index.js";
import type { TestServer } from "../../src/http/fixtures/test-server.js";
import { useTestDatabase } from "../helpers/test-database.js";
import { api } from "./fixture/convoy/_generated/api.js";
import { startFixtureServer, startFlakyProxy, type FlakyProxy } from "./fixture-server.js";

const db = useTestDatabase();
let server: TestServer;
let proxy: FlakyProxy;
const AUTH_SECRET = "the-client-test-secret-of-32-bytes-or-more";
const token = (sub: string) => new SignJWT({ sub }).setProtectedHeader({ alg: "HS256" }).setIssuer("client-test").setExpirationTime("1h").sign(new TextEncoder().encode(AUTH_SECRET));

beforeAll(async () => {
  server = await startFixtureServer(db().driver, { auth: { providers: [{ type: "secret", issuer: "client-test", secret: AUTH_SECRET }] } });
  proxy = await startFlakyProxy(server.url);
});
afterAll(async () => {
  await proxy.close();
  await server.close();
});
beforeEach(async () => {
  await db().driver.query("DELETE FROM notes; DELETE FROM tags");
  proxy.requests.length = 0;
  proxy.failNext(0);
});

/** Catch the rejection of `promise` as a ConvoyRequestError. */
async function rejection(promise: Promise<unknown>): Promise<ConvoyRequestError> {
  const error = await promise.then(
    () => new Error("expected a rejection"),
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(ConvoyRequestError);
  return error as ConvoyRequestError;
}

function bytes(...values: number[]): ArrayBuffer {
  return new Uint8Array(values).buffer;
}

describe("typed calls", () => {
  it("runs mutations and queries and decodes int64 and bytes", async () => {
    const client = new ConvoyHttpClient(server.url);
    const id = await client.mutation(api.notes.add, { title: "first", stars: 2n ** 40n, blob: bytes(1, 2, 255), tags: ["a"] });
    expect(typeof id).toBe("string");

    const notes = await client.query(api.notes.list);
    expect(notes).toHaveLength(1);
    const [note] = notes;
    expect(note).toMatchObject({ _id: id, title: "first", stars: 2n ** 40n, tags: ["a"] });
    expect(typeof note!._creationTime).toBe("number");
    expect(note!.blob).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(note!.blob!)]).toEqual([1, 2, 255]);

    expect(await client.mutation(api.notes.star, { id })).toBe(2n ** 40n + 1n);
    expect((await client.query(api.notes.byTitle, { title: "first" }))?.stars).toBe(2n ** 40n + 1n);
    expect(await client.query(api.notes.byTitle, { title: "missing" })).toBeNull();
    expect(await client.query(api.notes.count, {})).toBe(1);
  });

  it("round-trips bigints and bytes in arguments and results", async () => {
    const client = new ConvoyHttpClient(server.url);
    const echoed = await client.query(api.notes.echo, { int: -(2n ** 63n), bytes: bytes(0, 128), nested: { list: [0n, 2n ** 63n - 1n] } });
    expect(echoed.int).toBe(-(2n ** 63n));
    expect([...new Uint8Array(echoed.bytes)]).toEqual([0, 128]);
    expect(echoed.nested.list).toEqual([0n, 2n ** 63n - 1n]);
  });

  it("calls functions of nested modules and strips a trailing slash of the address", async () => {
    const client = new ConvoyHttpClient(`${server.url}//`);
    expect(client.address).toBe(server.url);
    expect(await client.query(api.admin.users.whoami)).toBe("admin");
  });
});

describe("errors", () => {
  const client = () => new ConvoyHttpClient(server.url);

  it("rejects with APPLICATION_ERROR and the decoded data of a ConvoyError", async () => {
    const error = await rejection(client().mutation(api.notes.add, { title: "", stars: 1n }));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ConvoyRequestError");
    expect(error.code).toBe("APPLICATION_ERROR");
    expect(error.status).toBe(400);
    expect(error.data).toEqual({ reason: "EMPTY_TITLE", max: 100n });
    expect(error.message).toEqual(expect.any(String));
    expect(await client().query(api.notes.count)).toBe(0);
  });

  it("rejects with ARGS_INVALID and the path of the bad argument", async () => {
    const wrong = makeFunctionReference<"mutation", { title: string; stars: number }, string>("notes:add");
    const error = await rejection(client().mutation(wrong, { title: "x", stars: 1 }));
    expect(error).toMatchObject({ code: "ARGS_INVALID", status: 400, path: "stars" });
  });

  it("rejects with NOT_FOUND for internal and unknown functions, and for the wrong kind", async () => {
    expect(await rejection(client().query(makeFunctionReference<"query">("notes:secret")))).toMatchObject({ code: "NOT_FOUND", status: 404 });
    expect(await rejection(client().query(makeFunctionReference<"query">("notes:nope")))).toMatchObject({ code: "NOT_FOUND", status: 404 });
    expect(await rejection(client().query(makeFunctionReference<"query">("notes:add")))).toMatchObject({ code: "NOT_FOUND", status: 404 });
  });

  it("rejects arguments that are not Convoy values before sending anything", async () => {
    const echo = makeFunctionReference<"query", { value: unknown }>("notes:echo");
    const error = await rejection(new ConvoyHttpClient(proxy.url).query(echo, { value: () => 1 }));
    expect(error).toMatchObject({ code: "BAD_REQUEST", status: 0 });
    expect(proxy.requests).toHaveLength(0);
  });

  it("rejects with NETWORK_ERROR when the server cannot be reached, after retrying the query", async () => {
    let attempts = 0;
    const counting: typeof fetch = (input, init) => {
      attempts++;
      return fetch(input, init);
    };
    const unreachable = new ConvoyHttpClient("http://127.0.0.1:1", { fetch: counting, queryRetries: 2 });
    expect(await rejection(unreachable.query(api.notes.count))).toMatchObject({ code: "NETWORK_ERROR", status: 0 });
    expect(attempts).toBe(3);
    attempts = 0;
    expect(await rejection(unreachable.mutation(api.tags.add, { name: "x" }))).toMatchObject({ code: "NETWORK_ERROR", status: 0 });
    expect(attempts).toBe(1);
  });
});

describe("auth", () => {
  it("sends Authorization: Bearer with the token of setAuth, and none without one", async () => {
    const [first, second] = [await token("tok-1"), await token("tok-async")];
    const client = new ConvoyHttpClient(proxy.url);
    await client.query(api.notes.count);
    let current: string | null = first;
    client.setAuth(() => current);
    await client.query(api.notes.count);
    current = null;
    await client.mutation(api.tags.add, { name: "t" });
    client.setAuth(async () => Promise.resolve(second));
    await client.mutation(api.tags.add, { name: "u" });
    client.clearAuth();
    await client.query(api.notes.count);
    expect(proxy.requests.map((request) => request.headers.authorization)).toEqual([undefined, `Bearer ${first}`, undefined, `Bearer ${second}`, undefined]);
  });

  it("rejects with UNAUTHENTICATED (401) when the server refuses the token", async () => {
    const client = new ConvoyHttpClient(server.url);
    client.setAuth(() => "not-a-token");
    expect(await rejection(client.query(api.notes.count))).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
  });
});

describe("timeouts and aborts", () => {
  it("rejects with TIMEOUT when the server does not answer in time", async () => {
    const client = new ConvoyHttpClient(server.url, { timeoutMs: 100, queryRetries: 0 });
    const started = Date.now();
    expect(await rejection(client.query(api.notes.slow, { ms: 600 }))).toMatchObject({ code: "TIMEOUT", status: 0 });
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("rejects with ABORTED when the signal aborts, and does not retry", async () => {
    const client = new ConvoyHttpClient(proxy.url);
    const controller = new AbortController();
    const call = client.query(api.notes.slow, { ms: 600 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await rejection(call)).toMatchObject({ code: "ABORTED", status: 0 });
    expect(proxy.requests).toHaveLength(1);

    expect(await rejection(client.query(api.notes.count, {}, { signal: AbortSignal.abort() }))).toMatchObject({ code: "ABORTED" });
    expect(await rejection(client.mutation(api.tags.add, { name: "x" }, { signal: AbortSignal.abort() }))).toMatchObject({ code: "ABORTED" });
  });

  it("stops waiting between retries when the signal aborts", async () => {
    const client = new ConvoyHttpClient(proxy.url, { queryRetries: 5 });
    proxy.failNext(100);
    const controller = new AbortController();
    const call = client.query(api.notes.count, {}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    expect(await rejection(call)).toMatchObject({ code: "ABORTED" });
    expect(proxy.requests.length).toBeLessThanOrEqual(2);
  });
});

describe("retries", () => {
  it("retries a query answered 503 and resolves once the server answers", async () => {
    const client = new ConvoyHttpClient(proxy.url);
    await client.mutation(api.notes.add, { title: "kept", stars: 1n });
    proxy.requests.length = 0;
    proxy.failNext(2);
    expect(await client.query(api.notes.count)).toBe(1);
    expect(proxy.requests.map((request) => request.answer)).toEqual(["503", "503", "forwarded"]);
  });

  it("gives up after queryRetries with the UNAVAILABLE error", async () => {
    const client = new ConvoyHttpClient(proxy.url, { queryRetries: 2 });
    proxy.failNext(10);
    expect(await rejection(client.query(api.notes.count))).toMatchObject({ code: "UNAVAILABLE", status: 503, message: "database down" });
    expect(proxy.requests).toHaveLength(3);
  });

  it("never retries a mutation", async () => {
    const client = new ConvoyHttpClient(proxy.url);
    proxy.failNext(1);
    expect(await rejection(client.mutation(api.notes.add, { title: "once", stars: 1n }))).toMatchObject({ code: "UNAVAILABLE", status: 503 });
    expect(proxy.requests).toHaveLength(1);
    expect(await client.query(api.notes.count)).toBe(0);
  });
});

describe("access reports", () => {
  it("reports the tables each successful call read and wrote, to listeners and to the call", async () => {
    const client = new ConvoyHttpClient(server.url);
    const seen: [string, string, CallAccess][] = [];
    const stop = client.onAccess((kind, name, access) => seen.push([kind, name, access]));
    let own: CallAccess | undefined;
    await client.mutation(api.notes.add, { title: "a", stars: 1n }, { onAccess: (access) => (own = access) });
    await client.query(api.notes.list);
    await client.query(api.admin.users.whoami);
    await rejection(client.mutation(api.notes.add, { title: "", stars: 1n }));
    stop();
    await client.query(api.tags.list);
    expect(own).toEqual({ readTables: [], writtenTables: ["notes"] });
    expect(seen).toEqual([
      ["mutation", "notes:add", { readTables: [], writtenTables: ["notes"] }],
      ["query", "notes:list", { readTables: ["notes"], writtenTables: [] }],
      ["query", "admin/users:whoami", { readTables: [], writtenTables: [] }],
    ]);
  });

  it("marks access unreported when the server's accessHeaders are off (the default)", async () => {
    const quiet = await startFixtureServer(db().driver, { accessHeaders: false });
    try {
      const client = new ConvoyHttpClient(quiet.url);
      let access: CallAccess | undefined;
      await client.mutation(api.notes.add, { title: "a", stars: 1n }, { onAccess: (seen) => (access = seen) });
      expect(access).toEqual({ readTables: [], writtenTables: [], reported: false });
      // unknown on either side: the write may have changed the read
      expect(accessOverlaps({ readTables: ["tags"] }, access!)).toBe(true);
      expect(accessOverlaps({ readTables: [], reported: false }, { writtenTables: ["notes"] })).toBe(true);
      expect(accessOverlaps({ readTables: ["tags"] }, { writtenTables: ["notes"] })).toBe(false);
    } finally {
      await quiet.close();
    }
  });
});

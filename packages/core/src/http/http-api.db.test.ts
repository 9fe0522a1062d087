import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { createServer as createNodeServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, useTestDatabase } from "../../test/helpers/test-database.js";
import { encodeValue } from "../values/encoding.js";
import { createFetchHandler } from "./fetch-handler.js";
import { createHandler } from "./node-handler.js";
import type { HttpCallEvent } from "./handler-options.js";
import { createAppRuntime, parseRawResponse, rawExchange, startTestServer, type TestServer } from "./fixtures/test-server.js";

const db = useTestDatabase();
let server: TestServer;
const calls: HttpCallEvent[] = [];

beforeAll(async () => {
  server = await startTestServer(db().driver, { onCall: (event) => calls.push(event) });
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  await db().driver.query("DELETE FROM items; DELETE FROM people");
});

interface Answer {
  status: number;
  headers: Headers;
  json: unknown;
}

async function request(path: string, init: RequestInit = {}, base = server.url): Promise<Answer> {
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  let json: unknown = text;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, json };
}

function post(path: string, body: unknown, headers: Record<string, string> = { "Content-Type": "application/json" }, base = server.url): Promise<Answer> {
  return request(path, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) }, base);
}

function getQuery(name: string, args?: unknown): Promise<Answer> {
  return request(`/api/query/${name}${args === undefined ? "" : `?args=${encodeURIComponent(JSON.stringify(args))}`}`);
}

async function rowCount(): Promise<number> {
  const { rows } = await db().driver.query<{ n: string }>("SELECT (SELECT count(*) FROM items) + (SELECT count(*) FROM people) AS n");
  return Number(rows[0]!.n);
}

function expectError(answer: Answer, status: number, code: string, extra: Record<string, unknown> = {}): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get("content-type")).toBe("application/json; charset=utf-8");
  const { errorId, ...error } = (answer.json as { error: Record<string, unknown> }).error;
  expect({ error }).toEqual({ error: { code, message: expect.any(String), ...extra } });
  expect(Object.keys(error).every((key) => ["code", "message", "data", "path"].includes(key))).toBe(true);
  // server faults carry the id they were logged under
  expect(errorId === undefined || (status >= 500 && typeof errorId === "string")).toBe(true);
}

describe("success", () => {
  it("runs a mutation and a query over POST, and a query over GET", async () => {
    const added = await post("/api/mutation/items:add", { args: { name: "apple", qty: 3 } });
    expect(added.status).toBe(200);
    expect(added.json).toEqual({ value: expect.any(String) });
    const id = (added.json as { value: string }).value;

    const listed = await post("/api/query/items:list", { args: {} });
    expect(listed.status).toBe(200);
    expect(listed.json).toEqual({ value: [{ _id: id, _creationTime: expect.any(Number), name: "apple", qty: 3 }] });
    expect(listed.headers.get("cache-control")).toBe("no-store");

    expect((await getQuery("items:count")).json).toEqual({ value: 1 });
    expect((await getQuery("items:count", {})).json).toEqual({ value: 1 });
  });

  it("encodes results in the wire format (bigint, NaN, -0, bytes) and decodes wire args", async () => {
    const value = { n: 5n, nan: Number.NaN, negZero: -0, inf: Number.POSITIVE_INFINITY, bytes: new Uint8Array([1, 2, 3]).buffer, plain: [1, "two", null, true] };
    const wire = encodeValue(value);
    const answer = await post("/api/query/items:echo", { args: { value: wire } });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ value: wire });
    expect((answer.json as { value: { n: unknown } }).value.n).toEqual({ $integer: "BQAAAAAAAAA=" });
    // Same over GET.
    expect((await getQuery("items:echo", { value: wire })).json).toEqual({ value: wire });
  });

  it("accepts nested module names, also percent-encoded, and charset=utf-8", async () => {
    expect((await post("/api/query/admin/users:list", { args: {} })).json).toEqual({ value: [] });
    expect((await post("/api/query/admin%2Fusers%3Alist", { args: {} })).json).toEqual({ value: [] });
    expect((await post("/api/query/admin/users:list", { args: {} }, { "Content-Type": "application/json; charset=UTF-8" })).status).toBe(200);
  });

  it("answers GET /api/health with {ok: true}, and HEAD without a body", async () => {
    const health = await request("/api/health");
    expect(health).toMatchObject({ status: 200, json: { ok: true } });
    const head = await fetch(`${server.url}/api/health`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("sends no X-Convoy-Reads / X-Convoy-Writes by default (production)", async () => {
    const added = await post("/api/mutation/items:add", { args: { name: "pen", qty: 1 } });
    expect(added.status).toBe(200);
    expect(added.headers.has("x-convoy-reads")).toBe(false);
    expect(added.headers.has("x-convoy-writes")).toBe(false);
  });

  it("with accessHeaders, reports the tables a call read and wrote in X-Convoy-Reads / X-Convoy-Writes", async () => {
    const reporting = await startTestServer(db().driver, { accessHeaders: true }, server.runtime);
    try {
      const added = await post("/api/mutation/items:add", { args: { name: "pen", qty: 1 } }, undefined, reporting.url);
      expect(added.status).toBe(200);
      expect(added.headers.get("x-convoy-reads")).toBe("");
      expect(added.headers.get("x-convoy-writes")).toBe("items");
      const listed = await post("/api/query/items:list", { args: {} }, undefined, reporting.url);
      expect(listed.headers.get("x-convoy-reads")).toBe("items");
      expect(listed.headers.get("x-convoy-writes")).toBe("");
      expect(listed.json).toEqual({ value: [expect.objectContaining({ name: "pen", qty: 1 })] });
    } finally {
      await reporting.close();
    }
  });

  it("reports every call to onCall with its outcome", async () => {
    calls.length = 0;
    await post("/api/query/items:list", { args: {} });
    await post("/api/query/items:typed", { args: { name: 1 } });
    expect(calls).toEqual([
      { name: "items:list", kind: "query", durationMs: expect.any(Number), ok: true },
      { name: "items:typed", kind: "query", durationMs: expect.any(Number), ok: false, code: "ARGS_INVALID" },
    ]);
  });
});

describe("error codes", () => {
  it.each([
    ["malformed JSON", "{not json"],
    ["a body that is an array", "[]"],
    ["a body that is a string", '"args"'],
    ["a body that is null", "null"],
    ["a body without args", "{}"],
    ["args that are an array", '{"args": []}'],
    ["args that are null", '{"args": null}'],
    ["args that are a string", '{"args": "x"}'],
    ["an empty body", ""],
  ])("BAD_REQUEST (400) for %s", async (_label, body) => {
    expectError(await post("/api/query/items:list", body), 400, "BAD_REQUEST");
  });

  it("BAD_REQUEST for bad ?args= and for bytes that are not UTF-8", async () => {
    expectError(await request("/api/query/items:list?args=%7Bnope"), 400, "BAD_REQUEST");
    expectError(await request("/api/query/items:list?args=%5B1%5D"), 400, "BAD_REQUEST");
    expectError(await request("/api/query/items:list?args=%7B%7D&args=%7B%7D"), 400, "BAD_REQUEST");
    const invalidUtf8 = new Uint8Array([0x7b, 0x22, 0x61, 0x72, 0x67, 0x73, 0x22, 0x3a, 0xff, 0x7d]);
    const answer = await request("/api/query/items:list", { method: "POST", headers: { "Content-Type": "application/json" }, body: invalidUtf8 });
    expectError(answer, 400, "BAD_REQUEST");
  });

  it("BAD_REQUEST for JSON nested too deep or with too long an array", async () => {
    const deep = `{"args":{"value":${"[".repeat(70)}${"]".repeat(70)}}}`;
    const deepAnswer = await post("/api/query/items:echo", deep);
    expectError(deepAnswer, 400, "BAD_REQUEST");
    expect((deepAnswer.json as { error: { message: string } }).error.message).toMatch(/deeper than/);
    const long = JSON.stringify({ args: { value: new Array(8193).fill(0) } });
    expectError(await post("/api/query/items:echo", long), 400, "BAD_REQUEST");
    const ok = JSON.stringify({ args: { value: new Array(8192).fill(0) } });
    expect((await post("/api/query/items:echo", ok)).status).toBe(200);
    // A megabyte of brackets: rejected by the scan, without recursion.
    const brackets = "[".repeat(500_000);
    expectError(await post("/api/query/items:echo", `{"args":{"value":${brackets}}}`), 400, "BAD_REQUEST");
  });

  it("UNSUPPORTED_MEDIA_TYPE (415) for a POST without a JSON content type", async () => {
    expectError(await post("/api/query/items:list", { args: {} }, { "Content-Type": "text/plain" }), 415, "UNSUPPORTED_MEDIA_TYPE");
    expectError(await post("/api/mutation/items:add", { args: {} }, { "Content-Type": "application/x-www-form-urlencoded" }), 415, "UNSUPPORTED_MEDIA_TYPE");
    expectError(await post("/api/query/items:list", { args: {} }, { "Content-Type": "application/json; charset=latin1" }), 415, "UNSUPPORTED_MEDIA_TYPE");
    const none = await request("/api/query/items:list", { method: "POST", body: new TextEncoder().encode('{"args":{}}') });
    expectError(none, 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("ARGS_INVALID (400) names the path", async () => {
    const wrongType = await post("/api/query/items:typed", { args: { name: 5 } });
    expectError(wrongType, 400, "ARGS_INVALID", { path: "name" });
    expect((wrongType.json as { error: { message: string } }).error.message).toBe("args.name: expected string, got number");
    expectError(await post("/api/query/items:typed", { args: { name: "a", tags: [{ label: 1 }] } }), 400, "ARGS_INVALID", { path: "tags[0].label" });
    expectError(await post("/api/query/items:typed", { args: { name: "a", extra: 1 } }), 400, "ARGS_INVALID", { path: "extra" });
    expectError(await post("/api/query/items:typed", { args: {} }), 400, "ARGS_INVALID", { path: "name" });
    expectError(await getQuery("items:typed", { name: "a", big: 5 }), 400, "ARGS_INVALID", { path: "big" });
  });

  it("ARGS_INVALID for reserved keys and malformed tags in args, at any depth", async () => {
    expectError(await post("/api/query/items:echo", '{"args":{"value":{"$where":1}}}'), 400, "ARGS_INVALID", { path: "value.$where" });
    expectError(await post("/api/query/items:echo", '{"args":{"value":{"a":[{"__proto__":{"polluted":true}}]}}}'), 400, "ARGS_INVALID", { path: "value.a[0].__proto__" });
    expectError(await post("/api/query/items:echo", '{"args":{"$bad":1}}'), 400, "ARGS_INVALID", { path: "$bad" });
    expectError(await post("/api/query/items:echo", '{"args":{"value":{"$integer":"nope"}}}'), 400, "ARGS_INVALID", { path: "value" });
    expectError(await post("/api/query/items:echo", '{"args":{"$integer":"AQAAAAAAAAA="}}'), 400, "ARGS_INVALID");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // `constructor` and `prototype` are ordinary keys.
    const ordinary = await post("/api/query/items:echo", '{"args":{"value":{"constructor":1,"prototype":{"x":2}}}}');
    expect(ordinary.json).toEqual({ value: { constructor: 1, prototype: { x: 2 } } });
  });

  it("RETURNS_INVALID (500) when the result fails returns", async () => {
    expectError(await post("/api/query/items:badReturn", { args: {} }), 500, "RETURNS_INVALID");
  });

  it.each([
    ["an unknown function", "/api/query/items:nope", "POST"],
    ["an unknown module", "/api/mutation/nowhere:x", "POST"],
    ["an internal function", "/api/query/items:secret", "POST"],
    ["an internal function over GET", "/api/query/items:secret", "GET"],
    ["a mutation on the query route", "/api/query/items:add", "POST"],
    ["a mutation on the query route over GET", "/api/query/items:add", "GET"],
    ["a query on the mutation route", "/api/mutation/items:list", "POST"],
    ["a name that is not a function name", "/api/query/..%2F..%2Fetc%2Fpasswd", "POST"],
    ["a name with spaces", "/api/query/items%20list", "POST"],
    ["an unknown API route", "/api/nope", "GET"],
    ["an empty name", "/api/query/", "POST"],
    ["a path outside the API", "/index.html", "GET"],
  ])("NOT_FOUND (404) for %s", async (_label, path, method) => {
    const answer = method === "GET" ? await request(path) : await post(path, { args: {} });
    expectError(answer, 404, "NOT_FOUND");
  });

  it("METHOD_NOT_ALLOWED (405) for GET on the mutation route and other methods", async () => {
    const get = await request("/api/mutation/items:add");
    expectError(get, 405, "METHOD_NOT_ALLOWED");
    expect(get.headers.get("allow")).toBe("POST");
    for (const method of ["PUT", "DELETE", "PATCH"]) {
      const answer = await request("/api/query/items:list", { method, headers: { "Content-Type": "application/json" }, body: '{"args":{}}' });
      expectError(answer, 405, "METHOD_NOT_ALLOWED");
      expect(answer.headers.get("allow")).toBe("GET, POST");
    }
    expectError(await request("/api/health", { method: "POST" }), 405, "METHOD_NOT_ALLOWED");
    expect(await rowCount()).toBe(0);
  });

  it("APPLICATION_ERROR (400) carries the ConvoyError's data, encoded, and rolls back", async () => {
    const answer = await post("/api/mutation/items:reject", { args: { name: "pear" } });
    expectError(answer, 400, "APPLICATION_ERROR", { data: { reason: "sold out", name: "pear", left: { $integer: "AAAAAAAAAAA=" } } });
    expect(await rowCount()).toBe(0);
  });

  it("SCHEMA_VALIDATION (400) for a write that does not match the schema, and rolls back", async () => {
    const answer = await post("/api/mutation/items:addInvalid", { args: {} });
    expect(answer.status).toBe(400);
    expect((answer.json as { error: { code: string } }).error.code).toBe("SCHEMA_VALIDATION");
    expect(await rowCount()).toBe(0);
  });

  it("CONFLICT (409) when a mutation still conflicts after its retries", async () => {
    expectError(await post("/api/mutation/items:conflict", { args: {} }), 409, "CONFLICT");
    expect(await rowCount()).toBe(0);
  });

  it("INTERNAL (500) with a generic message and no stack; the real error is logged", async () => {
    server.errors.length = 0;
    server.messages.length = 0;
    const answer = await post("/api/mutation/items:crash", { args: {} });
    expectError(answer, 500, "INTERNAL");
    const text = JSON.stringify(answer.json);
    expect(text).not.toMatch(/secret|SELECT|stack|at /);
    // the error id in the answer is the one logged with the real error
    const { errorId, message } = (answer.json as { error: { errorId: string; message: string } }).error;
    expect(message).toBe(`internal server error (error id ${errorId})`);
    expect(server.messages.some((line) => line.includes(`(error id ${errorId})`) && line.includes("secret detail"))).toBe(true);
    expect(server.errors).toEqual([expect.objectContaining({ message: "secret detail: SELECT password FROM admins" })]);
    expect(await rowCount()).toBe(0);
  });

  it("PAYLOAD_TOO_LARGE (413) for a body over the configured limit", async () => {
    const small = await startTestServer(db().driver, { limits: { maxBodyBytes: 1024 } }, server.runtime);
    try {
      const big = JSON.stringify({ args: { value: "x".repeat(2000) } });
      const tooBig = await request("/api/query/items:echo", { method: "POST", headers: { "Content-Type": "application/json" }, body: big }, small.url);
      expectError(tooBig, 413, "PAYLOAD_TOO_LARGE", { data: { maxBytes: 1024 } });
      const fits = JSON.stringify({ args: { value: "x".repeat(900) } });
      expect((await request("/api/query/items:echo", { method: "POST", headers: { "Content-Type": "application/json" }, body: fits }, small.url)).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it("UNAVAILABLE (503) from health and calls when the database is gone", async () => {
    const doomed = await createTestDatabase();
    const runtime = await createAppRuntime(doomed.driver);
    const lost = await startTestServer(doomed.driver, {}, runtime);
    try {
      expect((await request("/api/health", {}, lost.url)).json).toEqual({ ok: true });
      await doomed.close();
      const health = await request("/api/health", {}, lost.url);
      expectError(health, 503, "UNAVAILABLE");
      expect(JSON.stringify(health.json)).not.toMatch(/127\.0\.0\.1|5432|pglite/i);
      expectError(await request("/api/query/items:list", {}, lost.url), 503, "UNAVAILABLE");
      const write = await request("/api/mutation/items:add", { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"args":{"name":"a","qty":1}}' }, lost.url);
      expectError(write, 503, "UNAVAILABLE");
    } finally {
      await lost.close();
    }
  });
});

describe("development mode", () => {
  it("adds the stack and the real message of internal errors only in dev mode", async () => {
    const dev = await startTestServer(db().driver, { dev: true }, server.runtime);
    try {
      const answer = await request("/api/mutation/items:crash", { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"args":{}}' }, dev.url);
      expect(answer.status).toBe(500);
      const error = (answer.json as { error: { code: string; message: string; stack?: string } }).error;
      expect(error.code).toBe("INTERNAL");
      expect(error.message).toContain("secret detail");
      expect(error.stack).toMatch(/secret detail[\s\S]*at /);
    } finally {
      await dev.close();
    }
  });

  it("never sends a stack outside dev mode, whatever the error", async () => {
    const answers = await Promise.all([
      post("/api/mutation/items:crash", { args: {} }),
      post("/api/query/items:badReturn", { args: {} }),
      post("/api/mutation/items:reject", { args: { name: "x" } }),
      post("/api/mutation/items:conflict", { args: {} }),
      post("/api/query/items:typed", { args: {} }),
    ]);
    for (const answer of answers) expect(JSON.stringify(answer.json)).not.toContain("stack");
  });
});

describe("CORS", () => {
  it("allows no origin by default", async () => {
    const answer = await request("/api/query/items:list", { headers: { Origin: "https://evil.example" } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${server.url}/api/query/items:list`, {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-methods")).toBeNull();
  });

  it("allows listed origins, with Vary: Origin, and answers their preflights", async () => {
    const listed = await startTestServer(db().driver, { cors: { origins: ["https://app.example.com"] } }, server.runtime);
    try {
      const allowed = await request("/api/query/items:list", { headers: { Origin: "https://app.example.com" } }, listed.url);
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      expect(allowed.headers.get("vary")).toBe("Origin");
      const denied = await request("/api/query/items:list", { headers: { Origin: "https://evil.example" } }, listed.url);
      expect(denied.headers.get("access-control-allow-origin")).toBeNull();
      expect(denied.headers.get("vary")).toBe("Origin");
      // Errors carry the CORS headers too, so the browser can read them.
      const failed = await request("/api/mutation/items:add", { headers: { Origin: "https://app.example.com" } }, listed.url);
      expect(failed.status).toBe(405);
      expect(failed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");

      const preflight = await fetch(`${listed.url}/api/mutation/items:add`, {
        method: "OPTIONS",
        headers: { Origin: "https://app.example.com", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type, authorization" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      expect(preflight.headers.get("access-control-allow-methods")).toBe("POST, OPTIONS");
      expect(preflight.headers.get("access-control-allow-headers")).toBe("Content-Type, Authorization, Convex-Client");
    } finally {
      await listed.close();
    }
  });

  it("allows any origin with '*'", async () => {
    const open = await startTestServer(db().driver, { cors: { origins: "*" } }, server.runtime);
    try {
      const answer = await request("/api/query/items:list", { headers: { Origin: "http://localhost:5173" } }, open.url);
      expect(answer.headers.get("access-control-allow-origin")).toBe("*");
      const preflight = await fetch(`${open.url}/api/query/items:list`, { method: "OPTIONS", headers: { Origin: "http://x.test", "Access-Control-Request-Method": "GET" } });
      expect(preflight.headers.get("access-control-allow-methods")).toBe("GET, POST, OPTIONS");
    } finally {
      await open.close();
    }
  });
});

describe("basePath and static files", () => {
  let dir: string;
  let outside: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "convoy-static-"));
    outside = await mkdtemp(join(tmpdir(), "convoy-outside-"));
    await writeFile(join(dir, "index.html"), "<!doctype html><title>app</title>");
    await mkdir(join(dir, "assets"));
    await writeFile(join(dir, "assets", "app.js"), "console.log(1)");
    await writeFile(join(dir, "assets", "style.css"), "body{}");
    await writeFile(join(dir, ".env"), "SECRET=1");
    await writeFile(join(outside, "secret.txt"), "secret");
    await symlink(join(outside, "secret.txt"), join(dir, "leak.txt"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it("serves the API under basePath", async () => {
    const based = await startTestServer(db().driver, { basePath: "/convoy/" }, server.runtime);
    try {
      expect((await request("/convoy/api/health", {}, based.url)).json).toEqual({ ok: true });
      expect((await request("/convoy/api/query/items:count", {}, based.url)).json).toEqual({ value: 0 });
      expectError(await request("/api/health", {}, based.url), 404, "NOT_FOUND");
    } finally {
      await based.close();
    }
  });

  it("serves built files with their content types, index.html for routes, and nothing outside the directory", async () => {
    const site = await startTestServer(db().driver, { staticDir: dir }, server.runtime);
    try {
      const index = await fetch(`${site.url}/`);
      expect(index.status).toBe(200);
      expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await index.text()).toContain("<title>app</title>");
      const script = await fetch(`${site.url}/assets/app.js`);
      expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      expect(await script.text()).toBe("console.log(1)");
      expect((await fetch(`${site.url}/assets/style.css`)).headers.get("content-type")).toBe("text/css; charset=utf-8");
      const route = await fetch(`${site.url}/boards/42`);
      expect(route.status).toBe(200);
      expect(await route.text()).toContain("<title>app</title>");
      const head = await fetch(`${site.url}/assets/app.js`, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe("");

      for (const path of ["/.env", "/assets/missing.js", "/leak.txt", "/..%2F..%2Fetc%2Fpasswd", "/assets/..%2F..%2F..%2Fetc%2Fhosts", "/%00", "/a%5C..%5C..%5Cetc"]) {
        const answer = await request(path, {}, site.url);
        expect(answer.status, path).toBe(404);
        expect(JSON.stringify(answer.json)).not.toMatch(/SECRET|secret|root:/);
      }
      // Raw targets, which a client library would normalise first.
      for (const target of ["/../../etc/passwd", "/assets/../../../etc/hosts", "/%2e%2e/%2e%2e/etc/passwd", "/./.env", "//etc/passwd"]) {
        const { raw } = await rawExchange(site.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        const answer = parseRawResponse(raw);
        expect(answer?.body, target).not.toMatch(/SECRET|secret|root:|localhost/);
        expect([200, 404], target).toContain(answer?.status);
      }
      // Only GET and HEAD; the API still answers next to the files.
      expectError(await request("/index.html", { method: "POST", body: "x" }, site.url), 404, "NOT_FOUND");
      expect((await request("/api/health", {}, site.url)).json).toEqual({ ok: true });
    } finally {
      await site.close();
    }
  });
});

describe("node handler as middleware", () => {
  it("passes requests outside the API to next(), and answers the API itself", async () => {
    const handler = createHandler({ runtime: server.runtime, basePath: "/convoy" });
    const app = createNodeServer((req, res) => {
      handler(req, res, () => {
        res.writeHead(200, { "Content-Type": "text/plain" }).end("from the app");
      });
    });
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    try {
      expect(await (await fetch(`${base}/elsewhere`)).text()).toBe("from the app");
      expect((await request("/convoy/api/query/items:count", {}, base)).json).toEqual({ value: 0 });
      expectError(await request("/convoy/api/nope", {}, base), 404, "NOT_FOUND");
    } finally {
      app.closeAllConnections();
      await new Promise((resolve) => app.close(resolve));
    }
  });
});

describe("fetch handler", () => {
  it("answers like the node handler", async () => {
    const fetchHandler = createFetchHandler({ runtime: server.runtime, logger: { error: () => undefined } });
    const cases: { path: string; init?: RequestInit }[] = [
      { path: "/api/health" },
      { path: "/api/query/items:count" },
      { path: `/api/query/items:echo?args=${encodeURIComponent(JSON.stringify({ value: encodeValue({ n: 7n }) }))}` },
      { path: "/api/query/items:typed", init: { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"args":{"name":1}}' } },
      { path: "/api/query/items:list", init: { method: "POST", headers: { "Content-Type": "text/plain" }, body: '{"args":{}}' } },
      { path: "/api/query/items:list", init: { method: "POST", headers: { "Content-Type": "application/json" }, body: "{oops" } },
      { path: "/api/mutation/items:add" },
      { path: "/api/query/items:secret" },
      { path: "/api/mutation/items:reject", init: { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"args":{"name":"x"}}' } },
      { path: "/api/mutation/items:crash", init: { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"args":{}}' } },
      { path: "/api/nope" },
      { path: "/elsewhere" },
    ];
    for (const { path, init } of cases) {
      const viaNode = await request(path, init);
      const response = await fetchHandler(new Request(`http://localhost${path}`, init));
      const text = await response.text();
      // error ids are fresh per failure: compare the rest
      const withoutId = (json: unknown): string => JSON.stringify(json).replace(/[0-9a-f]{8}/g, "<id>");
      expect({ status: response.status, json: withoutId(JSON.parse(text)) }, path).toEqual({ status: viaNode.status, json: withoutId(viaNode.json) });
      expect(response.headers.get("content-type")).toBe(viaNode.headers.get("content-type"));
    }
  });

  it("enforces the body limit while reading a streamed body", async () => {
    const fetchHandler = createFetchHandler({ runtime: server.runtime, limits: { maxBodyBytes: 1000 } });
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(256).fill(0x20));
      },
    });
    const response = await fetchHandler(
      new Request("http://localhost/api/query/items:list", { method: "POST", headers: { "Content-Type": "application/json" }, body: stream, duplex: "half" } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThan(10);
  });
});

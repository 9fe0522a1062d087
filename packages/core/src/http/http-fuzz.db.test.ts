import { request as httpRequest } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import { createFetchHandler } from "./fetch-handler.js";
import { startTestServer, type TestServer } from "./fixtures/test-server.js";

const db = useTestDatabase();
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(db().driver, { cors: { origins: ["https://ok.example"] }, limits: { maxBodyBytes: 4096 } });
  // One row that must survive every request.
  await server.runtime.run("mutation", "items:add", { name: "keep", qty: 1 });
});
afterAll(async () => {
  await server.close();
});

async function rowCounts(): Promise<string> {
  const { rows } = await db().driver.query("SELECT (SELECT count(*) FROM items)::text AS items, (SELECT count(*) FROM people)::text AS people, (SELECT max(data::text) FROM items) AS latest");
  return JSON.stringify(rows);
}

/** Names the fuzzer may hit: none of them can succeed in writing (or crash by design). */
const NAMES = ["items:list", "items:count", "items:echo", "items:typed", "items:reject", "items:addInvalid", "items:conflict", "items:secret", "admin/users:list", "items:nope", "nowhere:x"];

const pathChars = fc.constantFrom(..."abcxyz019:/._-%~$!'()*+,;=@[]".split(""), "%2F", "%3A", "%00", "%zz", "%2e%2e", "..", "%C3%A9", "%FF");
const pathTail = fc.array(pathChars, { maxLength: 20 }).map((parts) => parts.join(""));

const arbPath = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom("/api/query/", "/api/mutation/"), fc.constantFrom(...NAMES)).map(([route, name]) => route + name) },
  fc.tuple(fc.constantFrom("/api/query/", "/api/mutation/"), fc.constantFrom(...NAMES)).map(([route, name]) => route + name),
  fc.tuple(fc.constantFrom("/api/query/", "/api/mutation/", "/api/", "/", "/api/health", "/api/query", "//api/query/"), pathTail).map(([prefix, tail]) => prefix + tail),
);

const arbJsonText = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify({ args: value })),
  fc
    .array(fc.tuple(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("__proto__", "$integer", "$bytes", "$float", "$x", "constructor", "value", "name")), fc.jsonValue({ maxDepth: 3 })), {
      maxLength: 4,
    })
    .map((entries) => `{"args":{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(",")}}}`),
  fc.constantFrom('{"args":{"value":{"$integer":"AQAAAAAAAAA="}}}', '{"args":{"value":{"$bytes":"!!"}}}', '{"args":', "[".repeat(200), '{"args":{"name":"x"}}'),
);

const arbBody = fc.oneof(
  fc.constant(undefined),
  { weight: 4, arbitrary: arbJsonText.map((text) => Buffer.from(text)) },
  fc.string({ maxLength: 100 }).map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(Buffer.alloc(5000, 0x20)),
);

const arbSearch = fc.oneof(
  fc.constant(""),
  arbJsonText.map((text) => `?args=${encodeURIComponent(text)}`),
  fc.string({ maxLength: 30 }).map((text) => `?args=${encodeURIComponent(text)}`),
  fc.constantFrom("?args=", "?args=%7B", "?args=%7B%7D&args=%7B%7D", "?x=1", "?args=%E0%A4%A"),
);

const arbHeaders = fc.record(
  {
    "content-type": fc.constantFrom("application/json", "application/json", "application/json", "application/json; charset=utf-8", "text/plain", "application/json; charset=latin1", "multipart/form-data", "", "application/json;;;", "APPLICATION/JSON"),
    origin: fc.constantFrom("https://ok.example", "https://evil.example", "null", ""),
    "x-fuzz": fc.string({ maxLength: 20 }).map((text) => text.replace(/[^\x20-\x7e]/g, "")),
    "access-control-request-method": fc.constantFrom("GET", "POST", "DELETE"),
    authorization: fc.constantFrom("Bearer x", "Basic Zm9vOmJhcg=="),
  },
  { requiredKeys: [] },
);

const arbRequest = fc.record({
  method: fc.oneof(
    { weight: 5, arbitrary: fc.constant("POST") },
    { weight: 3, arbitrary: fc.constant("GET") },
    { weight: 2, arbitrary: fc.constantFrom("PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "PROPFIND") },
  ),
  path: arbPath,
  search: arbSearch,
  headers: arbHeaders,
  body: arbBody,
});

type FuzzRequest = typeof arbRequest extends fc.Arbitrary<infer T> ? T : never;

function send(port: number, input: FuzzRequest): Promise<{ status: number; contentType: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    // A body always goes with its length (Node would send DELETE/OPTIONS bodies unframed), and
    // each request gets its own connection so one answer can never be read as another's.
    const headers = input.body === undefined ? input.headers : { ...input.headers, "content-length": String(input.body.length) };
    const req = httpRequest({ host: "127.0.0.1", port, method: input.method, path: input.path + input.search, headers, agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], body });
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within 5 s to ${input.method} ${input.path}`)));
    req.on("error", reject);
    req.end(input.body);
  });
}

function checkAnswer(input: FuzzRequest, status: number, contentType: string | null | undefined, body: string): void {
  const label = `${input.method} ${input.path}${input.search}`;
  let code: unknown;
  if (contentType?.startsWith("application/json") === true && body !== "") {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (status >= 400) {
      expect(parsed.error, label).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
      expect(JSON.stringify(parsed), label).not.toContain("stack");
    }
    code = parsed.error?.code;
  }
  expect(status >= 500 && !(status === 503 && code === "UNAVAILABLE"), `${label} → ${status} ${body}`).toBe(false);
  // No public mutation reachable here can succeed.
  if (input.path.startsWith("/api/mutation/")) expect(status, label).not.toBe(200);
}

describe("fuzz", () => {
  it("random requests over a socket: never a 5xx other than UNAVAILABLE, never a changed row", async () => {
    const before = await rowCounts();
    await fc.assert(
      fc.asyncProperty(arbRequest, async (input) => {
        const { status, contentType, body } = await send(server.port, input);
        checkAnswer(input, status, contentType, body);
      }),
      { numRuns: 200 },
    );
    expect(await rowCounts()).toBe(before);
    expect(server.errors).toEqual([]);
    // Still healthy.
    expect(await (await fetch(`${server.url}/api/health`)).json()).toEqual({ ok: true });
  });

  it("random requests through the fetch handler: the same guarantees", async () => {
    const handler = createFetchHandler({ runtime: server.runtime, limits: { maxBodyBytes: 4096 }, logger: { error: (message) => expect.fail(message) } });
    const before = await rowCounts();
    await fc.assert(
      fc.asyncProperty(arbRequest, async (input) => {
        let request: Request;
        try {
          const withBody = input.body !== undefined && input.method !== "GET" && input.method !== "HEAD";
          request = new Request(`http://localhost${input.path}${input.search}`, { method: input.method, headers: input.headers, ...(withBody ? { body: input.body } : {}) });
        } catch {
          return; // not a request `fetch` can even express
        }
        const response = await handler(request);
        checkAnswer(input, response.status, response.headers.get("content-type"), await response.text());
      }),
      { numRuns: 100 },
    );
    expect(await rowCounts()).toBe(before);
  });
});

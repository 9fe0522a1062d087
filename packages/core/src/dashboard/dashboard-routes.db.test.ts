import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import type { CoreRequest } from "../http/core-types.js";
import { createAppRuntime, startTestServer, type TestServer } from "../http/fixtures/test-server.js";
import type { Runtime } from "../runtime/index.js";
import { CallLog } from "./call-log.js";
import { createDashboardRoutes } from "./dashboard-routes.js";

const db = useTestDatabase();
let runtime: Runtime;
let calls: CallLog;
let dashboard: TestServer;
let plain: TestServer;

beforeAll(async () => {
  runtime = await createAppRuntime(db().driver);
  calls = new CallLog();
  runtime.onCall((event) => calls.add(event));
  dashboard = await startTestServer(db().driver, { extraRoutes: createDashboardRoutes({ runtime: () => runtime, calls, atRoot: true }) }, runtime);
  plain = await startTestServer(db().driver, {}, runtime);
});
afterAll(async () => {
  await dashboard.close();
  await plain.close();
});

async function get(path: string, base = dashboard.url): Promise<{ status: number; type: string | null; body: any }> {
  const response = await fetch(`${base}${path}`);
  const text = await response.text();
  const type = response.headers.get("content-type");
  return { status: response.status, type, body: type?.startsWith("application/json") ? JSON.parse(text) : text };
}

async function run(body: unknown, headers: Record<string, string> = { "Content-Type": "application/json" }): Promise<{ status: number; body: any }> {
  const response = await fetch(`${dashboard.url}/api/_dev/run`, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

/** A GET with a chosen Host header (fetch does not let one set it). */
function getWithHost(path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: dashboard.port, path, headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the dev dashboard's routes", () => {
  it("lists tables with their document counts and each index's SQL from pg_indexes", async () => {
    await runtime.run("mutation", "items:add", { name: "first", qty: 1 });
    const { status, body } = await get("/api/_dev/tables");
    expect(status).toBe(200);
    const items = body.tables.find((table: { name: string }) => table.name === "items");
    expect(items.documentCount).toBe(1);
    const byName = items.indexes.find((index: { name: string }) => index.name === "by_name");
    expect(byName.fields).toEqual(["name"]);
    expect(byName.pgName).toBe("items__by_name");
    expect(byName.sql).toMatch(/^CREATE INDEX items__by_name ON public\.items USING btree \(_key_name_d268ab76, _creation_time, _id\)$/);
    expect(items.indexes.find((index: { name: string }) => index.name === "by_id").sql).toMatch(/^CREATE UNIQUE INDEX .* \(_id\)$/);
    expect(items.otherIndexes).toEqual([]);
  });

  it("pages through a table's documents newest first with a keyset cursor", async () => {
    await db().driver.query("DELETE FROM items");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await runtime.run("mutation", "items:add", { name: `n${i}`, qty: i })).value as string);
    const seen: { _id: string; name: string; qty: number }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? "limit=2" : `limit=2&cursor=${encodeURIComponent(cursor)}`;
      const { status, body } = await get(`/api/_dev/tables/items/documents?${query}`);
      expect(status).toBe(200);
      expect(body.documents.length).toBeLessThanOrEqual(2);
      seen.push(...body.documents);
      cursor = body.nextCursor;
      // a document inserted between pages is newer than the cursor: later pages do not shift
      if (pages === 0) await runtime.run("mutation", "items:add", { name: "late", qty: 9 });
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen.map((doc) => doc._id)).toEqual([...ids].reverse());
    expect(seen[0]).toMatchObject({ name: "n4", qty: 4 });
    expect((await get("/api/_dev/tables/items/documents?cursor=nope")).status).toBe(400);
    expect((await get("/api/_dev/tables/nope/documents")).body.error.code).toBe("NOT_FOUND");
  });

  it("runs any function, internal ones too, and the calls appear in the call log", async () => {
    const before = calls.since(0).at(-1)?.seq ?? 0;
    const secret = await run({ kind: "query", name: "items:secret", args: {} });
    expect(secret).toMatchObject({ status: 200, body: { value: "secret" } });
    // the same function stays unreachable through the public API
    expect((await fetch(`${dashboard.url}/api/query/items:secret`, { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"args":{}}' })).status).toBe(404);

    const rejected = await run({ kind: "mutation", name: "items:reject", args: { name: "x" } });
    expect(rejected.status).toBe(400);
    expect(rejected.body.error).toMatchObject({ code: "APPLICATION_ERROR", data: { reason: "sold out", name: "x" } });
    const invalid = await run({ kind: "mutation", name: "items:add", args: { name: 1 } });
    expect(invalid.body.error.code).toBe("ARGS_INVALID");

    const { body } = await get(`/api/_dev/calls?after=${before}`);
    const mine = body.calls.slice(-4);
    expect(mine.map((call: { name: string; ok: boolean; errorCode?: string }) => [call.name, call.ok, call.errorCode])).toEqual([
      ["items:secret", true, undefined],
      ["items:secret", false, "NOT_FOUND"],
      ["items:reject", false, "APPLICATION_ERROR"],
      ["items:add", false, "ARGS_INVALID"],
    ]);
    expect(mine[2].errorMessage).toContain("sold out");
    expect(mine[0].durationMs).toBeGreaterThanOrEqual(0);
    const last = mine[3].seq;
    expect((await get(`/api/_dev/calls?after=${last}`)).body.calls).toEqual([]);
  });

  it("lists every function with its kind, visibility and validators", async () => {
    const { body } = await get("/api/_dev/functions");
    const byName = new Map(body.functions.map((fn: { name: string }) => [fn.name, fn]));
    expect(byName.get("items:secret")).toMatchObject({ kind: "query", visibility: "internal" });
    expect(byName.get("items:add")).toMatchObject({ kind: "mutation", visibility: "public", args: { type: "object", value: { name: { fieldType: { type: "string" }, optional: false } } } });
    expect(byName.get("admin/users:list")).toMatchObject({ kind: "query" });
  });

  it("shows the schema and the last sync steps from the sync log", async () => {
    const { body } = await get("/api/_dev/schema");
    expect(body.recordedHash).toMatch(/^[0-9a-f]{64}$/);
    expect(body.tables.map((table: { name: string }) => table.name).sort()).toEqual(["items", "people"]);
    const first = body.syncLog.at(-1);
    expect(first).toMatchObject({ source: "dev", outcome: "applied", schemaHash: body.recordedHash });
    const createItems = first.steps.find((step: { kind: string; description: string }) => step.kind === "create_table" && step.description.includes("items"));
    expect(createItems.sql[0]).toContain('CREATE TABLE IF NOT EXISTS "public"."items"');
  });

  it("serves the page at /_dashboard/ and at / (atRoot), with its script and styles", async () => {
    const page = await get("/_dashboard/");
    expect(page.status).toBe(200);
    expect(page.type).toContain("text/html");
    expect(page.body).toContain("/_dashboard/dashboard.js");
    expect((await get("/")).body).toBe(page.body);
    expect((await get("/_dashboard/dashboard.js")).type).toContain("javascript");
    expect((await get("/_dashboard/dashboard.css")).type).toContain("text/css");
    expect((await get("/_dashboard/nope.js")).status).toBe(404);
    const redirect = await fetch(`${dashboard.url}/_dashboard`, { redirect: "manual" });
    expect(redirect.status).toBe(308);
    const routes = createDashboardRoutes({ runtime: () => runtime, calls, atRoot: false });
    expect(await routes(fakeRequest({ path: "/" }))).toBeNull();
  });

  it("answers its API only to this machine, to localhost names and to its own pages", async () => {
    const routes = createDashboardRoutes({ runtime: () => runtime, calls, atRoot: true });
    const remote = await routes(fakeRequest({ remoteAddress: "10.1.2.3" }));
    expect(remote?.status).toBe(403);
    expect(await routes(fakeRequest({ remoteAddress: undefined }))).toMatchObject({ status: 403 });
    expect(await getWithHost("/api/_dev/tables", "attacker.example:80")).toBe(403);
    expect(await getWithHost("/api/_dev/tables", `localhost:${dashboard.port}`)).toBe(200);
    const count = async () => Number((await db().driver.query<{ n: string }>("SELECT count(*) AS n FROM items")).rows[0]!.n);
    const before = await count();
    const crossSite = await run({ kind: "mutation", name: "items:add", args: { name: "csrf", qty: 1 } }, { "Content-Type": "application/json", Origin: "https://attacker.example" });
    expect(crossSite.status).toBe(403);
    const plainText = await run({ kind: "mutation", name: "items:add", args: { name: "csrf", qty: 1 } }, { "Content-Type": "text/plain" });
    expect(plainText.status).toBe(415);
    expect(await count()).toBe(before);
    const sameSite = await run({ kind: "mutation", name: "items:add", args: { name: "ok", qty: 1 } }, { "Content-Type": "application/json", Origin: dashboard.url });
    expect(sameSite.status).toBe(200);
  });

  it("is not served by a handler without it (convoy start, mounted handlers)", async () => {
    for (const path of ["/api/_dev/tables", "/api/_dev/calls", "/_dashboard/", "/"]) {
      expect((await get(path, plain.url)).status, path).toBe(404);
    }
    const response = await fetch(`${plain.url}/api/_dev/run`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ kind: "query", name: "items:secret", args: {} }) });
    expect(response.status).toBe(404);
  });
});

function fakeRequest(overrides: Partial<CoreRequest>): CoreRequest {
  return {
    method: "GET",
    path: "/api/_dev/tables",
    search: "",
    remoteAddress: "127.0.0.1",
    header: (name) => (name === "host" ? "localhost:3700" : undefined),
    readBody: () => Promise.resolve(new Uint8Array()),
    ...overrides,
  };
}

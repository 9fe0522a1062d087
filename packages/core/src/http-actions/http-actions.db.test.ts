import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ensureStorageFor, type TestDatabase } from "../../test/helpers/test-database.js";
import { ConvoyHttpClient } from "../browser/http-client.js";
import { anyApi } from "../functions/any-api.js";
import { createRegistrySync } from "../functions/registry.js";
import { createServer } from "../http/create-server.js";
import { createRuntime, type Runtime } from "../runtime/runtime.js";
import * as jobs from "../scheduler/fixtures/convoy/jobs.js";
import schema from "../scheduler/fixtures/convoy/schema.js";
import { createHttpActionRoutes } from "./http-action-routes.js";
import { httpActionGeneric as httpAction, httpRouter } from "./http-router.js";

const api = anyApi.jobs!;

/** The app's `http.ts`. */
const http = httpRouter();
http.route({
  path: "/hooks/payment",
  method: "POST",
  handler: httpAction(async (ctx, request) => {
    const event = (await request.json()) as { id: string };
    await ctx.runMutation(api.log!, { tag: `paid ${event.id}` });
    const events = (await ctx.runQuery(api.events!, {})) as string[];
    return Response.json({ received: event.id, signature: request.headers.get("x-signature"), events }, { status: 202 });
  }),
});
http.route({ pathPrefix: "/files/", method: "GET", handler: httpAction((_ctx, request) => Promise.resolve(new Response(`file ${new URL(request.url).pathname.slice(7)}`))) });
http.route({
  path: "/hooks/fail",
  method: "POST",
  handler: httpAction(() => Promise.reject(new Error("the hook failed"))),
});

let db: TestDatabase;
let runtime: Runtime;
let server: Server;
let url = "";
beforeAll(async () => {
  db = await createTestDatabase();
  runtime = await createRuntime({ driver: db.driver, schema, registry: createRegistrySync({ jobs }), ensureStorage: ensureStorageFor(db.driver) });
  server = createServer({ runtime, httpActions: createHttpActionRoutes({ router: () => http, runtime: () => runtime }), logger: { error: () => undefined } });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await db.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("POST /api/action/<name>", () => {
  it("runs public actions, through the HTTP client too", async () => {
    const response = await post("/api/action/jobs:nested", { args: {} });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ value: { inner: null } });
    const client = new ConvoyHttpClient(url);
    expect(await client.action(anyApi.jobs!.slow!, { ms: 1 })).toBe("done");
  });

  it("answers bad calls with structured errors and runs nothing", async () => {
    const cases: [string, unknown, number, string][] = [
      ["/api/action/jobs:nope", { args: {} }, 404, "NOT_FOUND"],
      ["/api/action/jobs:failingAction", { args: {} }, 404, "NOT_FOUND"], // internal
      ["/api/action/jobs:scheduleLog", { args: {} }, 404, "NOT_FOUND"], // a mutation
      ["/api/action/jobs:slow", { args: { ms: "soon" } }, 400, "ARGS_INVALID"],
      ["/api/action/jobs:slow", { nope: 1 }, 400, "BAD_REQUEST"],
    ];
    for (const [path, body, status, code] of cases) {
      const response = await post(path, body);
      expect([path, response.status, ((await response.json()) as { error: { code: string } }).error.code]).toEqual([path, status, code]);
    }
    const get = await fetch(`${url}/api/action/jobs:slow`);
    expect(get.status).toBe(405);
  });
});

describe("HTTP actions (http.ts)", () => {
  it("answer a webhook-style POST: Request in, Response out, with runMutation/runQuery", async () => {
    const response = await post("/hooks/payment", { id: "evt_1" }, { "X-Signature": "sig" });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ received: "evt_1", signature: "sig", events: ["paid evt_1"] });
    const file = await fetch(`${url}/files/a/b.txt`);
    expect(await file.text()).toBe("file a/b.txt");
  });

  it("unrouted paths and methods are 404; a throwing handler is a structured 500; /api/ stays Convoy's", async () => {
    expect((await fetch(`${url}/hooks/payment`)).status).toBe(404);
    expect((await post("/hooks/other", {})).status).toBe(404);
    const failed = await post("/hooks/fail", {});
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as { error: { code: string } }).error.code).toBe("INTERNAL");
    expect(() => http.route({ path: "/api/mine", method: "GET", handler: httpAction(() => Promise.resolve(new Response())) })).toThrow(/Convoy's own API/);
    expect(() => http.route({ pathPrefix: "/api/", method: "GET", handler: httpAction(() => Promise.resolve(new Response())) })).toThrow(/Convoy's own API/);
  });
});

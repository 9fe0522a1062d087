import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { startTestServer, type TestServer } from "../http/fixtures/test-server.js";
import { ConvoyMetrics } from "./convoy-metrics.js";

let db: TestDatabase;
let plain: TestServer;
let measured: TestServer;
const metrics = new ConvoyMetrics();

beforeAll(async () => {
  db = await createTestDatabase();
  plain = await startTestServer(db.driver);
  measured = await startTestServer(db.driver, { metrics }, plain.runtime);
  metrics.watchDriver(db.driver);
  plain.runtime.onCall((event) => metrics.recordCall(event));
});

afterAll(async () => {
  await measured.close();
  await plain.close();
  await db.close();
});

describe("GET /api/metrics", () => {
  it("is NOT_FOUND when metrics are off", async () => {
    const response = await fetch(`${plain.url}/api/metrics`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  });

  it("serves calls by function and outcome with durations, conflicts and the pool", async () => {
    const post = (kind: string, name: string, args: object) =>
      fetch(`${measured.url}/api/${kind}/${name}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ args }) });
    expect((await post("mutation", "items:add", { name: "a", qty: 1 })).status).toBe(200);
    expect((await post("mutation", "items:reject", { name: "b" })).status).toBe(400);
    expect((await post("mutation", "items:conflict", {})).status).toBe(409);
    const response = await fetch(`${measured.url}/api/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('convoy_calls_total{function="items:add",kind="mutation",outcome="ok"} 1');
    expect(text).toContain('convoy_calls_total{function="items:reject",kind="mutation",outcome="APPLICATION_ERROR"} 1');
    expect(text).toContain('convoy_call_conflicts_total{function="items:conflict",kind="mutation"} 1');
    expect(text).toMatch(/convoy_call_retries_total\{function="items:conflict",kind="mutation"\} 2/);
    expect(text).toMatch(/convoy_call_duration_seconds_count\{function="items:add",kind="mutation"\} 1/);
    expect(text).toMatch(/convoy_db_pool_connections\{state="total"\} \d+/);
    expect(text).toContain("convoy_subscription_reruns_total 0");
  });
});

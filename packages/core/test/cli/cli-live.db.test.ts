import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SyncTestClient } from "../../src/realtime/fixtures/sync-harness.js";
import { useTestDatabase } from "../helpers/test-database.js";
import { runCli, startCli, type CliProcess } from "./cli-process.js";

describe("convoy dev and convoy start serve /api/sync and /api/metrics", () => {
  const db = useTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), "convoy-live-"));
  let server: CliProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("dev: pushes HTTP writes to live queries, re-runs them on a code change, serves metrics; start: metrics only when asked", async () => {
    expect(runCli(["init"], dir).status).toBe(0);
    const env = db().databaseUrl === undefined ? {} : { DATABASE_URL: db().databaseUrl };
    server = startCli(["dev", "--port", "0"], dir, env);
    const [, base] = await server.waitFor(/ready: (http:\/\/localhost:\d+)/, 120_000);
    const url = base!;
    const client = await SyncTestClient.connect(`${url.replace("http", "ws")}/api/sync`);
    client.send({ type: "subscribe", queryId: 1, name: "messages:list", args: {} });
    await client.waitFor((m) => m.type === "transition");
    expect(client.latest(1)).toEqual([]);
    const sent = await fetch(`${url}/api/mutation/messages:send`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ args: { author: "ada", body: "over http" } }) });
    expect(sent.status).toBe(200);
    await client.waitFor(() => client.values(1).length === 2);
    expect((client.latest(1) as { body: string }[]).map((m) => m.body)).toEqual(["over http"]);

    // a code change re-runs live queries on the new version
    const file = join(dir, "convoy/messages.ts");
    const original = readFileSync(file, "utf8");
    const edited = original.replace('return ctx.db.query("messages").order("desc").take(limit);', 'return (await ctx.db.query("messages").order("desc").take(limit)).map((m) => ({ ...m, body: m.body.toUpperCase() }));');
    expect(edited).not.toBe(original);
    writeFileSync(file, edited);
    await client.waitFor(() => client.values(1).length === 3, 30_000);
    expect((client.latest(1) as { body: string }[]).map((m) => m.body)).toEqual(["OVER HTTP"]);
    writeFileSync(file, original);
    await client.waitFor(() => client.values(1).length === 4, 30_000);
    client.close();

    const metrics = await fetch(`${url}/api/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain('convoy_calls_total{function="messages:send",kind="mutation",outcome="ok"} 1');
    expect(text).toMatch(/convoy_pushes_total [1-9]/);
    expect(await server.stop()).toBe(0);

    server = startCli(["start", "--port", "0"], dir, env);
    const [, startBase] = await server.waitFor(/listening on (http:\/\/localhost:\d+)/, 120_000);
    expect((await fetch(`${startBase!}/api/metrics`)).status).toBe(404);
    const live = await SyncTestClient.connect(`${startBase!.replace("http", "ws")}/api/sync`);
    live.send({ type: "subscribe", queryId: 1, name: "messages:list", args: {} });
    await live.waitFor((m) => m.type === "transition");
    expect((live.latest(1) as { body: string }[]).map((m) => m.body)).toEqual(["over http"]);
    live.close();
    expect(await server.stop()).toBe(0);

    server = startCli(["start", "--port", "0", "--metrics"], dir, env);
    const [, measured] = await server.waitFor(/listening on (http:\/\/localhost:\d+)/, 120_000);
    expect((await fetch(`${measured!}/api/metrics`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
    server = undefined;
  }, 420_000);
});

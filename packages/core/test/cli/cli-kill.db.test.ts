import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/test-database.js";
import { runCli, startCli, type CliProcess } from "./cli-process.js";

async function call(base: string, kind: "query" | "mutation", name: string, args: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}/api/${kind}/${name}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ args }) });
  return { status: response.status, body: await response.json() };
}

/**
 * `convoy start` is killed with SIGKILL while clients write: after a restart, every write it
 * acknowledged is there (on the embedded database in its durable mode, and on Postgres).
 */
describe("convoy start: kill -9 under write load", () => {
  const db = useTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), "convoy-kill-"));
  const processes: CliProcess[] = [];
  afterAll(async () => {
    for (const process of processes) await process.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (env: NodeJS.ProcessEnv): Promise<{ cli: CliProcess; url: string }> => {
    const cli = startCli(["start", "--port", "0"], dir, env);
    processes.push(cli);
    const [, url] = await cli.waitFor(/listening on (http:\/\/localhost:\d+)/, 180_000);
    return { cli, url: url! };
  };

  it("keeps every acknowledged write", async () => {
    const env = db().databaseUrl === undefined ? {} : { DATABASE_URL: db().databaseUrl };
    expect(runCli(["init"], dir).status).toBe(0);
    // `convoy sync` creates the tables (the embedded database's first start can take a while on a busy machine)
    const sync = startCli(["sync"], dir, env);
    const code = sync.child.exitCode ?? (await new Promise<number | null>((resolve) => sync.child.once("exit", resolve)));
    expect(code, sync.stderr()).toBe(0);

    const first = await start(env);
    const acknowledged: string[] = [];
    let next = 0;
    let attempts = 0;
    const worker = async (): Promise<void> => {
      // bounded: stops when the process dies (requests fail) or after enough attempts
      while (attempts++ < 2000) {
        const body = `m${next++}`;
        const result = await call(first.url, "mutation", "messages:send", { author: "k9", body }).catch(() => undefined);
        if (result === undefined) return;
        if (result.status === 200) acknowledged.push(body);
      }
    };
    const workers = Array.from({ length: 6 }, worker);
    for (let i = 0; i < 400 && acknowledged.length < 60; i++) await new Promise((r) => setTimeout(r, 50));
    first.cli.child.kill("SIGKILL");
    await Promise.all(workers);
    await first.cli.stop();
    expect(acknowledged.length).toBeGreaterThan(0);

    const second = await start(env);
    const stored = await call(second.url, "query", "messages:byAuthor", { author: "k9" });
    expect(stored.status).toBe(200);
    const bodies = new Set((stored.body.value as { body: string }[]).map((message) => message.body));
    expect(acknowledged.filter((body) => !bodies.has(body))).toEqual([]);
    await second.cli.stop();
  }, 600_000);
});

import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgDriver, type Driver } from "../../src/driver/index.js";
import { isFrameworkError, type FrameworkError } from "../../src/errors/framework-error.js";
import { mutationGeneric, queryGeneric } from "../../src/functions/function-builders.js";
import { createRegistrySync } from "../../src/functions/registry.js";
import { createFetchHandler } from "../../src/http/fetch-handler.js";
import { createRuntime, type Runtime } from "../../src/runtime/index.js";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import { v } from "../../src/values/v.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";
import { ensureStorageFor, useTestDatabase } from "../helpers/test-database.js";

const schema = defineSchema({ notes: defineTable({ text: v.string() }) });
const notes = {
  list: queryGeneric({ args: {}, handler: async (ctx) => (await ctx.db.query("notes").collect()).map((note) => note.text as string) }),
  add: mutationGeneric({ args: { text: v.string() }, handler: (ctx, { text }) => ctx.db.insert("notes", { text }) }),
};
const registry = createRegistrySync({ notes });

/**
 * `COMMIT` as the driver sends it: the text of a simple query ('Q', length, "COMMIT\0") or of a
 * `Parse` message in a pipeline (with the transaction's other statements, one round trip).
 */
const COMMIT_MESSAGE = Buffer.from("COMMIT\0");

/**
 * A TCP proxy to Postgres that, once armed, cuts the connection that sends `COMMIT`: either
 * after passing the COMMIT on (the server commits, the client never hears) or before (the
 * server never sees it and rolls back). The answer never reaches the client in both cases.
 */
class CommitCuttingProxy extends TcpProxy {
  private armed: "forward" | "drop" | null = null;

  constructor(target: { host: string; port: number }) {
    super(target, {
      fromClient: (chunk, link) => {
        const mode = this.armed;
        if (mode === null || !chunk.includes(COMMIT_MESSAGE)) return true;
        this.armed = null;
        link.detached = true;
        if (mode === "forward") link.upstream.end(chunk);
        else link.upstream.destroy();
        link.client.destroy();
        return false;
      },
    });
  }

  /** Cut the next connection that sends COMMIT. */
  cutNextCommit(mode: "forward" | "drop"): void {
    this.armed = mode;
  }
}

async function failure(run: Promise<unknown>): Promise<FrameworkError> {
  const error = await run.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!isFrameworkError(error)) throw new Error(`expected a FrameworkError, got ${String(error)}`);
  return error;
}

const db = useTestDatabase();

/** Rows of `notes` with this text, read on the real server (not through the proxy). */
async function stored(text: string): Promise<number> {
  const { rows } = await db().driver.query<{ n: string }>(`SELECT count(*)::text AS n FROM "notes" WHERE "data"->>'text' = $1`, [text]);
  return Number(rows[0]!.n);
}

describe("transparent retry of a query whose connection died", () => {
  let driver: Driver;
  let runtime: Runtime;

  beforeAll(async () => {
    await createRuntime({ driver: db().driver, schema, registry, ensureStorage: ensureStorageFor(db().driver) });
    driver = await createPgDriver({ connectionString: db().databaseUrl!, max: 4 });
    runtime = await createRuntime({ driver, schema, registry });
    await runtime.run("mutation", "notes:add", { text: "before" });
  });
  afterAll(async () => {
    await driver.close();
  });

  /**
   * Fill the pool with idle connections, then terminate every backend of the database while
   * this process is blocked (psql runs synchronously), so the pool has not seen them die yet.
   */
  const terminateEveryBackend = async (): Promise<void> => {
    await Promise.all(Array.from({ length: 8 }, () => runtime.run("query", "notes:list", {})));
    execFileSync("psql", [db().databaseUrl!, "-X", "-q", "-c", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"]);
    // pg_terminate_backend only signals: wait (still blocked) until every backend has exited, so
    // under load no attempt meets a backend that dies during its statement
    const others = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      if (execFileSync("psql", [db().databaseUrl!, "-X", "-At", "-c", others], { encoding: "utf8" }).trim() === "0") break;
    }
  };

  it("runs the query again once on a fresh connection: the caller gets its answer", async () => {
    const attempts: number[] = [];
    for (let round = 0; round < 3; round++) {
      await terminateEveryBackend();
      const result = await runtime.run("query", "notes:list", {});
      expect(result.value).toContain("before");
      attempts.push(result.attempts);
    }
    // the dead connection was really used, then replaced (not merely skipped by the pool)
    expect(attempts).toContain(2);
    expect(Math.max(...attempts)).toBeLessThanOrEqual(2);
  });

  it("does not run a mutation again: it fails with UNAVAILABLE before COMMIT, writes nothing, and the next one succeeds", async () => {
    await terminateEveryBackend();
    const error = await failure(runtime.run("mutation", "notes:add", { text: "on a dead connection" }));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.data).toBeUndefined();
    expect(await stored("on a dead connection")).toBe(0);
    await runtime.run("mutation", "notes:add", { text: "after" });
    expect(await stored("after")).toBe(1);
  });
});

describe("a mutation whose COMMIT outcome is unknown", () => {
  let proxy: CommitCuttingProxy;
  let driver: Driver;
  let runtime: Runtime;

  beforeAll(async () => {
    await createRuntime({ driver: db().driver, schema, registry, ensureStorage: ensureStorageFor(db().driver) });
    const target = new URL(db().databaseUrl!);
    proxy = new CommitCuttingProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(target);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(await proxy.listen());
    driver = await createPgDriver({ connectionString: viaProxy.toString(), max: 2 });
    runtime = await createRuntime({ driver, schema, registry });
  });
  afterAll(async () => {
    await driver.close();
    await proxy.close();
  });

  it("fails with UNAVAILABLE and commitOutcome unknown, once, when the server did commit", async () => {
    let calls = 0;
    const off = runtime.onCall(() => calls++);
    proxy.cutNextCommit("forward");
    const error = await failure(runtime.run("mutation", "notes:add", { text: "committed unheard" }));
    off();
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.data).toEqual({ commitOutcome: "unknown" });
    expect(error.message).toContain("outcome is unknown");
    expect(calls).toBe(1);
    // the server committed it (it processes COMMIT before it sees the connection end)
    let count = 0;
    for (let i = 0; i < 100 && count === 0; i++) {
      count = await stored("committed unheard");
      if (count === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(count).toBe(1);
  });

  it("says the same over HTTP when the server never saw the COMMIT (it rolled back), and the next call succeeds", async () => {
    const handler = createFetchHandler({ runtime, dev: false, logger: { error: () => undefined } });
    const post = (text: string) =>
      handler(new Request("http://localhost/api/mutation/notes:add", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ args: { text } }) }));
    proxy.cutNextCommit("drop");
    const response = await post("never committed");
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { code: string; message: string; data?: unknown } };
    expect(body.error.code).toBe("UNAVAILABLE");
    expect(body.error.data).toEqual({ commitOutcome: "unknown" });
    expect(body.error.message).toContain("may or may not have been applied");
    // the COMMIT never reached the server: nothing was written, and nothing retried it
    expect(await stored("never committed")).toBe(0);
    expect((await post("next")).status).toBe(200);
    expect(await stored("next")).toBe(1);
  });
});

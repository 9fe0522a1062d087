import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdConnection } from "../../../test/helpers/hold-connection.js";
import { RoundTripProxy } from "../../../test/helpers/round-trip-proxy.js";
import { createTestDatabase, type TestDatabase } from "../../../test/helpers/test-database.js";
import { DatabaseError } from "../../errors/database-error.js";
import { FrameworkError } from "../../errors/framework-error.js";
import type { Driver, Queryable } from "../driver.js";
import { createPgDriver } from "./pg-driver.js";

let db: TestDatabase;
let proxy: RoundTripProxy;
/** One connection, through a proxy that counts round trips: transactions queue while one holds it. */
let driver: Driver;
let admin: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  const target = new URL(db.databaseUrl!);
  proxy = new RoundTripProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const viaProxy = new URL(target);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(await proxy.listen());
  driver = createPgDriver({ connectionString: viaProxy.toString(), max: 1 });
  admin = new pg.Client({ connectionString: db.databaseUrl! });
  await admin.connect();
  await admin.query("CREATE TABLE batch_commits (k int PRIMARY KEY, xid bigint)");
});

afterAll(async () => {
  await admin.end();
  await driver.close();
  await proxy.close();
  await db.close();
});

/** A mutation-like transaction whose statements all wait for its commit. */
const blind = (...statements: [string, unknown[]][]) =>
  driver.transaction({ isolation: "serializable", origin: "test" }, (tx: Queryable) => {
    for (const [sql, params] of statements) tx.defer!(sql, params);
    return Promise.resolve();
  });
const insert = (k: number): [string, unknown[]] => ["INSERT INTO batch_commits VALUES ($1, txid_current())", [k]];
const rows = async () => (await admin.query<{ k: number; xid: string }>("SELECT k, xid FROM batch_commits ORDER BY k")).rows;

describe("transactions that send nothing before their commit are committed together", () => {
  it("four queued behind a busy connection commit in one round trip, each its own transaction", async () => {
    const holder = await holdConnection(driver);
    const commits = Promise.allSettled([blind(insert(1)), blind(insert(2)), blind(insert(3)), blind(insert(4))]);
    proxy.reset();
    await holder.release();
    expect((await commits).map((outcome) => outcome.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled"]);
    // the holder's COMMIT, then the four together
    expect(proxy.roundTrips).toBe(2);
    const committed = await rows();
    expect(committed.map((row) => row.k)).toEqual([1, 2, 3, 4]);
    expect(new Set(committed.map((row) => row.xid)).size).toBe(4);
    await admin.query("TRUNCATE batch_commits");
  });

  it("an error fails its own transaction, all of it; the ones before it committed, the ones after it are sent again", async () => {
    const holder = await holdConnection(driver);
    const commits = Promise.allSettled([blind(insert(1)), blind(insert(2), insert(1)), blind(insert(3))]);
    await holder.release();
    const [before, failed, after] = await commits;
    expect(before.status).toBe("fulfilled");
    expect(after.status).toBe("fulfilled");
    const error = (failed as PromiseRejectedResult).reason as DatabaseError;
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.sqlState).toBe("23505");
    expect((await rows()).map((row) => row.k)).toEqual([1, 3]);
    // the connection was put back in order (its aborted transaction rolled back)
    expect((await driver.query<{ n: number }>("SELECT 1 AS n")).rows).toEqual([{ n: 1 }]);
    await admin.query("TRUNCATE batch_commits");
  });

  it("a backend that reports it is closing while the batch runs: its transaction fails, the ones after it are sent again", async () => {
    const holder = await holdConnection(driver);
    const commits = Promise.allSettled([blind(["SELECT pg_sleep(0.5)", []], insert(1)), blind(insert(2))]);
    await holder.release();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await admin.query("SELECT pg_terminate_backend($1)", [holder.pid]);
    const [killed, after] = await commits;
    const reason = (killed as PromiseRejectedResult).reason as FrameworkError;
    expect(reason).toBeInstanceOf(FrameworkError);
    expect(reason.code).toBe("UNAVAILABLE");
    expect(reason.data).toBeUndefined();
    expect(after.status).toBe("fulfilled");
    expect((await rows()).map((row) => row.k)).toEqual([2]);
    await admin.query("TRUNCATE batch_commits");
  });

  it("a connection lost without a report while the batch is in flight: every transaction without an answered COMMIT has an unknown outcome", async () => {
    const holder = await holdConnection(driver);
    const commits = Promise.allSettled([blind(["SELECT pg_sleep(0.3)", []], insert(1)), blind(insert(2))]);
    await holder.release();
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const socket of proxy.sockets) socket.destroy();
    for (const outcome of await commits) {
      const reason = (outcome as PromiseRejectedResult).reason as FrameworkError;
      expect(reason).toBeInstanceOf(FrameworkError);
      expect(reason.code).toBe("UNAVAILABLE");
      expect(reason.data).toEqual({ commitOutcome: "unknown" });
    }
    await blind(insert(5));
    expect((await rows()).map((row) => row.k)).toContain(5);
  });

  it("a transaction aborted while its first statement waits for the connection sends nothing and gives the connection back", async () => {
    const holder = await holdConnection(driver);
    const controller = new AbortController();
    const outcome = driver
      .transaction({ signal: controller.signal }, (tx) => tx.query("INSERT INTO batch_commits VALUES (9, 0)"))
      .then(
        () => "committed",
        (error: unknown) => error,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error("deadline passed"));
    expect(await outcome).toEqual(new Error("deadline passed"));
    await holder.release();
    // the pool's only connection came back: a statement gets it
    expect((await driver.query<{ n: number }>("SELECT 1 AS n")).rows).toEqual([{ n: 1 }]);
    expect(await rows()).not.toContainEqual(expect.objectContaining({ k: 9 }));
  });
});

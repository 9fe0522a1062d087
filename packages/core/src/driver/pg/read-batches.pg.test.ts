import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holdConnection } from "../../../test/helpers/hold-connection.js";
import { createTestDatabase, type TestDatabase } from "../../../test/helpers/test-database.js";
import { DatabaseError } from "../../errors/database-error.js";
import { FrameworkError } from "../../errors/framework-error.js";
import type { Driver, QueryResult } from "../driver.js";
import { createPgDriver } from "./pg-driver.js";

let db: TestDatabase;
/** One connection: reads queue while a transaction holds it, then go as one batch. */
let driver: Driver;
let admin: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase();
  driver = createPgDriver({ connectionString: db.databaseUrl!, max: 1 });
  admin = new pg.Client({ connectionString: db.databaseUrl! });
  await admin.connect();
  await admin.query("CREATE TABLE batch_rows (n int)");
});

afterAll(async () => {
  await admin.end();
  await driver.close();
  await db.close();
});

const READ = "SELECT now()::text AS started, 2 / $1::int AS n, (SELECT count(*)::int FROM batch_rows) AS seen";
type ReadRow = { started: string; n: number; seen: number };
const read = (divisor: number) => driver.query<ReadRow>(READ, [divisor], { readOnly: true });
const row = (result: PromiseSettledResult<QueryResult<ReadRow>>) => (result.status === "fulfilled" ? result.value.rows[0]! : undefined);

describe("reads queued together go in one pipeline", () => {
  it("share one implicit transaction, see the commit made before they were sent, and an error fails only its own read", async () => {
    const holder = await holdConnection(driver, (tx) => tx.query("INSERT INTO batch_rows VALUES (1)"));
    const reads = Promise.allSettled([read(4), read(1), read(0), read(2)]);
    await holder.release();
    const [first, second, failed, after] = await reads;
    // sent together: one implicit transaction, so one `now()`
    expect(row(first)!.started).toBe(row(second)!.started);
    expect([row(first)!.n, row(second)!.n]).toEqual([0, 2]);
    expect([row(first)!.seen, row(second)!.seen]).toEqual([1, 1]);
    expect(failed.status).toBe("rejected");
    const error = (failed as PromiseRejectedResult).reason as DatabaseError;
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.sqlState).toBe("22012");
    // skipped by the server after the error, then sent again on its own
    expect(row(after)).toMatchObject({ n: 1, seen: 1 });
    expect(row(after)!.started).not.toBe(row(first)!.started);
  });

  it("a lost connection fails every read of its batch with UNAVAILABLE, and the next read gets a new connection", async () => {
    const holder = await holdConnection(driver);
    const reads = Promise.allSettled([driver.query("SELECT pg_sleep(0.5) AS slept", [], { readOnly: true }), read(1)]);
    await holder.release();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await admin.query("SELECT pg_terminate_backend($1)", [holder.pid]);
    for (const outcome of await reads) {
      expect(outcome.status).toBe("rejected");
      const reason = (outcome as PromiseRejectedResult).reason as FrameworkError;
      expect(reason).toBeInstanceOf(FrameworkError);
      expect(reason.code).toBe("UNAVAILABLE");
    }
    expect((await read(2)).rows[0]!.n).toBe(1);
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTestDatabase, useTestDatabase } from "../../test/helpers/test-database.js";
import { DatabaseError } from "../errors/database-error.js";
import { FrameworkError, isFrameworkError } from "../errors/framework-error.js";
import { createDriver } from "./create-driver.js";
import type { Driver, TransactionDeadline } from "./driver.js";

const db = useTestDatabase();
const driver = (): Driver => db().driver;

/** Resolves when `predicate` holds, polling briefly; fails after `timeoutMs`. */
async function waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** A promise with its resolve function, to sequence two concurrent transactions. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe("driver", () => {
  describe("a transaction past its end (signal or deadline) rolls back and frees its connection", () => {
    const cases: [string, () => { options: { signal?: AbortSignal; deadline?: TransactionDeadline }; end: () => void }][] = [
      [
        "signal",
        () => {
          const controller = new AbortController();
          return { options: { signal: controller.signal }, end: () => controller.abort(new Error("ended")) };
        },
      ],
      [
        "deadline",
        () => {
          let expiredError: Error | undefined;
          const waiters: ((error: Error) => void)[] = [];
          const deadline = {
            get expiredError() {
              return expiredError;
            },
            untilExpired<T>(promise: Promise<T>): Promise<T> {
              return new Promise<T>((resolve, reject) => {
                waiters.push(reject);
                promise.then(resolve, reject);
              });
            },
          };
          return {
            options: { deadline },
            end: () => {
              expiredError = new Error("ended");
              for (const reject of waiters) reject(expiredError);
            },
          };
        },
      ],
    ];
    it.each(cases)("%s", async (_name, make) => {
      await driver().query("CREATE TABLE ended_tx (n int)");
      const { options, end } = make();
      let wrote!: () => void;
      const written = new Promise<void>((resolve) => (wrote = resolve));
      const hung = driver().transaction(options, async (tx) => {
        await tx.query("INSERT INTO ended_tx VALUES (1)");
        await tx.query("SELECT 1");
        wrote();
        return new Promise<never>(() => undefined);
      });
      await written;
      end();
      expect(((await rejection(hung)) as Error).message).toBe("ended");
      // rolled back, and the connection (PGlite's only one) serves the next transaction
      expect((await driver().transaction({}, (tx) => tx.query("SELECT count(*)::int AS n FROM ended_tx"))).rows[0]).toEqual({ n: 0 });
      // an ended signal or deadline starts nothing
      expect(((await rejection(driver().transaction(options, (tx) => tx.query("INSERT INTO ended_tx VALUES (2)")))) as Error).message).toBe("ended");
      expect((await driver().query("SELECT count(*)::int AS n FROM ended_tx")).rows[0]).toEqual({ n: 0 });
      await driver().query("DROP TABLE ended_tx");
    });
  });

  it("reports its kind", () => {
    expect(driver().kind).toBe(db().kind);
  });

  it("round-trips parameter and result types", async () => {
    const bytes = new Uint8Array([0, 1, 2, 254, 255]);
    const doc = { a: 1, b: [true, null, "x"], c: { d: 1.5 } };
    const { rows } = await driver().query(
      `SELECT $1::jsonb AS doc, $2::jsonb AS list, $3::float8 AS f, $4::text AS t, $5::bytea AS b,
              $6::int8 AS big, 12345678901234567::int8 AS big_literal, 1.25::numeric AS num,
              $7::text AS nothing, $8::boolean AS flag, $9::int4 AS small, 'NaN'::float8 AS nan,
              '{"k": "v"}'::json AS js`,
      [doc, [1, "two", { three: 3 }], 0.1, "héllo ✓", bytes, "9223372036854775807", null, true, 42],
    );
    const row = rows[0]!;
    expect(row.doc).toEqual(doc);
    expect(row.list).toEqual([1, "two", { three: 3 }]);
    expect(row.f).toBe(0.1);
    expect(row.t).toBe("héllo ✓");
    expect(row.b).toBeInstanceOf(Uint8Array);
    expect(Array.from(row.b as Uint8Array)).toEqual(Array.from(bytes));
    expect(row.big).toBe("9223372036854775807");
    expect(row.big_literal).toBe("12345678901234567");
    expect(row.num).toBe("1.25");
    expect(row.nothing).toBeNull();
    expect(row.flag).toBe(true);
    expect(row.small).toBe(42);
    expect(row.nan).toBeNaN();
    expect(row.js).toEqual({ k: "v" });
  });

  it("stores and reads jsonb and bytea columns; rowCount counts written rows only", async () => {
    await driver().query("CREATE TABLE docs (id int PRIMARY KEY, data jsonb NOT NULL, blob bytea)");
    const insert = await driver().query("INSERT INTO docs VALUES ($1, $2::jsonb, $3), ($4, $5::jsonb, NULL)", [
      1,
      { name: "a", tags: ["x"] },
      new Uint8Array([9, 8]),
      2,
      { name: "b" },
    ]);
    expect(insert.rowCount).toBe(2);
    const select = await driver().query<{ id: number; data: unknown; blob: Uint8Array | null }>("SELECT * FROM docs ORDER BY id");
    expect(select.rowCount).toBe(0);
    expect(select.rows.map((row) => row.data)).toEqual([{ name: "a", tags: ["x"] }, { name: "b" }]);
    expect(Array.from(select.rows[0]!.blob!)).toEqual([9, 8]);
    expect(select.rows[1]!.blob).toBeNull();
    const update = await driver().query("UPDATE docs SET data = data || $1::jsonb", [{ seen: true }]);
    expect(update.rowCount).toBe(2);
  });

  it("runs several statements in one parameterless call, returning the last result", async () => {
    const result = await driver().query("CREATE TABLE multi (x int); INSERT INTO multi VALUES (1), (2); SELECT count(*) AS n FROM multi");
    expect(result.rows).toEqual([{ n: "2" }]);
  });

  it("commits a transaction and returns its value", async () => {
    await driver().query("CREATE TABLE tx_commit (x int)");
    const value = await driver().transaction({ isolation: "serializable" }, async (tx) => {
      await tx.query("INSERT INTO tx_commit VALUES ($1)", [1]);
      await tx.query("INSERT INTO tx_commit VALUES ($1)", [2]);
      return "done";
    });
    expect(value).toBe("done");
    const { rows } = await driver().query("SELECT x FROM tx_commit ORDER BY x");
    expect(rows).toEqual([{ x: 1 }, { x: 2 }]);
  });

  it("commits deferred writes exactly, whatever their values, and fails the commit with a refused one", async () => {
    await driver().query("CREATE TABLE tx_deferred (id int PRIMARY KEY, t text, j jsonb, b bytea, f float8)");
    const values: [number, string, unknown, Uint8Array, number][] = [
      [1, "it's a \\ 'quote' $1", { n: [1, "x"] }, new Uint8Array([0, 1, 255]), -1.5e-300],
      [2, "a$convoy_v$b", null, new Uint8Array([]), 1700000000000.125],
    ];
    for (const row of values) {
      await driver().transaction({ isolation: "serializable" }, (tx) => {
        tx.defer!("INSERT INTO tx_deferred (id, t, j, b, f) VALUES ($1, $2, $3::jsonb, $4, $5)", row);
        return Promise.resolve();
      });
    }
    const { rows } = await driver().query("SELECT id, t, j, b, f FROM tx_deferred ORDER BY id");
    expect(rows).toEqual(values.map(([id, t, j, b, f]) => ({ id, t, j, b: Buffer.from(b), f })));
    const refused = await rejection(
      driver().transaction({ isolation: "serializable" }, (tx) => {
        tx.defer!("INSERT INTO tx_deferred (id, t) VALUES ($1, $2)", [3, "new"]);
        tx.defer!("INSERT INTO tx_deferred (id, t) VALUES ($1, $2)", [1, "duplicate"]);
        return Promise.resolve();
      }),
    );
    expect(refused).toMatchObject({ sqlState: "23505" });
    const after = await driver().query("SELECT count(*)::int AS n FROM tx_deferred");
    expect(after.rows).toEqual([{ n: 2 }]);
  });

  it("runs statements a transaction issues at once one after the other, each answering its own", async () => {
    await driver().query("CREATE TABLE tx_at_once (id int PRIMARY KEY, t text)");
    const rows = await driver().transaction({ isolation: "serializable" }, async (tx) => {
      tx.defer!("INSERT INTO tx_at_once (id, t) VALUES ($1, $2), ($3, $4)", [1, "a", 2, "b"]);
      return Promise.all([
        ...[1, 2, 3].map((id) => tx.query<{ t: string }>("SELECT t FROM tx_at_once WHERE id = $1", [id])),
        tx.query<{ n: number }>("SELECT count(*)::int AS n FROM tx_at_once"),
        tx.query<{ t: string }>("SELECT t FROM tx_at_once WHERE t = $1", ["b"]),
      ]);
    });
    expect(rows.map((result) => result.rows)).toEqual([[{ t: "a" }], [{ t: "b" }], [], [{ n: 2 }], [{ t: "b" }]]);
  });

  it("stays usable after a statement failed before a statement first seen in the same round trip", async () => {
    const next = "SELECT $1::int + 41 AS n";
    const error = await rejection(
      driver().transaction({ isolation: "serializable" }, async (tx) => {
        // fails when executed, so the statement sent after it in the same call is skipped
        tx.defer!("SELECT 1 / $1::int", [0]);
        await tx.query(next, [1]);
      }),
    );
    expect((error as DatabaseError).sqlState).toBe("22012");
    expect((await driver().query(next, [1])).rows).toEqual([{ n: 42 }]);
    expect(await driver().transaction({}, async (tx) => (await tx.query(next, [2])).rows)).toEqual([{ n: 43 }]);
  });

  it("rolls back when the function throws, rethrowing its error unchanged", async () => {
    await driver().query("CREATE TABLE tx_rollback (x int)");
    const thrown = new Error("boom");
    const error = await rejection(
      driver().transaction({}, async (tx) => {
        await tx.query("INSERT INTO tx_rollback VALUES (1)");
        throw thrown;
      }),
    );
    expect(error).toBe(thrown);
    expect((await driver().query("SELECT * FROM tx_rollback")).rows).toEqual([]);
  });

  it("rolls back when a statement inside the transaction fails", async () => {
    await driver().query("CREATE TABLE tx_stmt (x int PRIMARY KEY)");
    const error = await rejection(
      driver().transaction({ isolation: "repeatable read" }, async (tx) => {
        await tx.query("INSERT INTO tx_stmt VALUES (1)");
        await tx.query("INSERT INTO tx_stmt VALUES (1)");
      }),
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).sqlState).toBe("23505");
    expect((await driver().query("SELECT * FROM tx_stmt")).rows).toEqual([]);
  });

  it("refuses to commit a transaction whose failed statement was swallowed", async () => {
    await driver().query("CREATE TABLE tx_swallow (x int PRIMARY KEY)");
    const error = await rejection(
      driver().transaction({}, async (tx) => {
        await tx.query("INSERT INTO tx_swallow VALUES (1)");
        await tx.query("INSERT INTO tx_swallow VALUES (1)").catch(() => undefined);
      }),
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).sqlState).toBe("25P02");
    expect((await driver().query("SELECT * FROM tx_swallow")).rows).toEqual([]);
  });

  it("rejects use of a transaction handle after the transaction ended", async () => {
    let leaked: { query: (sql: string) => Promise<unknown> } | undefined;
    await driver().transaction({}, async (tx) => {
      leaked = tx;
      await tx.query("SELECT 1");
    });
    const error = await rejection(leaked!.query("SELECT 1"));
    expect(isFrameworkError(error, "INTERNAL")).toBe(true);
  });

  it("rejects writes in a read-only transaction with SQLSTATE 25006", async () => {
    await driver().query("CREATE TABLE ro (x int)");
    const error = await rejection(
      driver().transaction({ readOnly: true, isolation: "repeatable read" }, async (tx) => {
        await tx.query("SELECT count(*) FROM ro");
        await tx.query("INSERT INTO ro VALUES (1)");
      }),
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).sqlState).toBe("25006");
    expect((error as DatabaseError).isRetryable).toBe(false);
  });

  it("keeps SQLSTATE 23505, constraint, table and detail of a unique violation", async () => {
    await driver().query("CREATE TABLE uniq (id int, email text CONSTRAINT uniq_email_key UNIQUE)");
    await driver().query("INSERT INTO uniq VALUES (1, $1)", ["a@example.com"]);
    const error = await rejection(driver().query("INSERT INTO uniq VALUES (2, $1)", ["a@example.com"]));
    expect(error).toBeInstanceOf(DatabaseError);
    const dbError = error as DatabaseError;
    expect(dbError.code).toBe("INTERNAL");
    expect(dbError.sqlState).toBe("23505");
    expect(dbError.constraint).toBe("uniq_email_key");
    expect(dbError.table).toBe("uniq");
    expect(dbError.schema).toBe("public");
    expect(dbError.detail).toContain("a@example.com");
  });

  it("keeps SQLSTATE of syntax errors and leaves the driver usable", async () => {
    const error = await rejection(driver().query("SELEKT 1"));
    expect((error as DatabaseError).sqlState).toBe("42601");
    expect((await driver().query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });

  it("rejects invalid channel names", async () => {
    await expect(driver().listen('bad"name', () => undefined)).rejects.toBeInstanceOf(FrameworkError);
    await expect(driver().notify("", "x")).rejects.toBeInstanceOf(FrameworkError);
  });

  it("delivers notifications to listeners until they unsubscribe", async () => {
    const received: string[] = [];
    const other: string[] = [];
    const unlisten = await driver().listen("Convoy_Test.channel", (payload) => received.push(payload));
    const unlistenOther = await driver().listen("convoy_other", (payload) => other.push(payload));
    await driver().notify("Convoy_Test.channel", "one");
    await driver().query("SELECT pg_notify($1, $2)", ["Convoy_Test.channel", JSON.stringify({ n: 2 })]);
    await driver().transaction({}, async (tx) => {
      await tx.query("SELECT pg_notify('Convoy_Test.channel', 'on commit')");
    });
    await driver()
      .transaction({}, async (tx) => {
        await tx.query("SELECT pg_notify('Convoy_Test.channel', 'rolled back')");
        throw new Error("abort");
      })
      .catch(() => undefined);
    await waitFor(() => received.length >= 3);
    expect(received).toEqual(["one", '{"n":2}', "on commit"]);
    expect(other).toEqual([]);

    await unlisten();
    await driver().notify("Convoy_Test.channel", "after unlisten");
    await driver().notify("convoy_other", "still here");
    await waitFor(() => other.length >= 1);
    expect(received).toEqual(["one", '{"n":2}', "on commit"]);
    await unlistenOther();
  });

  it("serialises transactions on PGlite; reports serialization conflicts on pg", async () => {
    await driver().query("CREATE TABLE shifts (doctor text, on_call boolean)");
    await driver().query("INSERT INTO shifts VALUES ('alice', true), ('bob', true)");

    if (db().kind === "pglite") {
      // Two concurrent transactions, each awaiting several times, plus a plain query issued
      // while the first runs: statements of one never appear between those of the other (each
      // is logged once it has run).
      const log: string[] = [];
      const step = async (tx: { query: (sql: string) => Promise<unknown> }, name: string, index: number): Promise<void> => {
        await tx.query("SELECT count(*) FROM shifts");
        log.push(`${name}${index}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      };
      const body = (name: string) => async (tx: { query: (sql: string) => Promise<unknown> }) => {
        for (let index = 0; index < 4; index += 1) await step(tx, name, index);
        await tx.query(`UPDATE shifts SET on_call = false WHERE doctor = '${name === "A" ? "alice" : "bob"}'`);
        log.push(`${name}done`);
      };
      const a = driver().transaction({ isolation: "serializable" }, body("A"));
      const plain = driver()
        .query("SELECT 1")
        .then(() => log.push("plain"));
      const b = driver().transaction({ isolation: "serializable" }, body("B"));
      await Promise.all([a, plain, b]);
      expect(log).toEqual(["A0", "A1", "A2", "A3", "Adone", "plain", "B0", "B1", "B2", "B3", "Bdone"]);
      const { rows } = await driver().query("SELECT count(*) AS n FROM shifts WHERE on_call");
      expect(rows).toEqual([{ n: "0" }]);
    } else {
      // Write skew: both read that two doctors are on call, each takes one off. Under
      // SERIALIZABLE one of the two must fail with a retryable 40001.
      const bothRead = { a: signal(), b: signal() };
      const attempt = (name: "a" | "b", doctor: string) =>
        driver().transaction({ isolation: "serializable" }, async (tx) => {
          await tx.query("SELECT count(*) FROM shifts WHERE on_call");
          bothRead[name].resolve();
          await Promise.all([bothRead.a.promise, bothRead.b.promise]);
          await tx.query("UPDATE shifts SET on_call = false WHERE doctor = $1", [doctor]);
        });
      const results = await Promise.allSettled([attempt("a", "alice"), attempt("b", "bob")]);
      const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
      expect(failures).toHaveLength(1);
      expect(failures[0]).toBeInstanceOf(DatabaseError);
      expect((failures[0] as DatabaseError).sqlState).toBe("40001");
      expect((failures[0] as DatabaseError).isRetryable).toBe(true);
      const { rows } = await driver().query("SELECT count(*) AS n FROM shifts WHERE on_call");
      expect(rows).toEqual([{ n: "1" }]);
    }
  });

  it("on PGlite, calling the driver from inside its own transaction throws instead of deadlocking", async () => {
    const outcome = driver().transaction({}, async () => {
      await driver().query("SELECT 1");
      return "ran";
    });
    if (db().kind === "pglite") {
      const error = await rejection(outcome);
      expect(isFrameworkError(error, "INTERNAL")).toBe(true);
    } else {
      // pg has a pool: the inner query runs on another connection and succeeds.
      await expect(outcome).resolves.toBe("ran");
    }
  });
});

describe("test databases", () => {
  it("creates an ICU-collated database on the server (ignored on PGlite) and drops it on close", async () => {
    const icu = await createTestDatabase({ icuLocale: "en-US" });
    try {
      const { rows } = await icu.driver.query<{ ci: boolean }>("SELECT 'a' < 'B' AS ci");
      // ICU en-US sorts case-insensitively first; PGlite's in-memory database uses C.
      expect(rows).toEqual([{ ci: icu.kind === "pg" }]);
    } finally {
      await icu.close();
    }
    if (icu.kind === "pg") {
      const name = new URL(icu.databaseUrl!).pathname.slice(1);
      const { rows } = await driver().query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      expect(rows).toEqual([]);
    } else {
      expect(icu.databaseUrl).toBeUndefined();
    }
  });
});

describe("embedded database on disk", () => {
  it("persists data in dataDir across restarts", async () => {
    if (db().kind === "pglite") {
      const dataDir = await mkdtemp(join(tmpdir(), "convoy-pglite-"));
      try {
        const first = await createDriver({ dataDir });
        await first.query("CREATE TABLE kept (doc jsonb)");
        await first.query("INSERT INTO kept VALUES ($1::jsonb)", [{ kept: true }]);
        await first.close();
        const second = await createDriver({ dataDir });
        expect((await second.query("SELECT doc FROM kept")).rows).toEqual([{ doc: { kept: true } }]);
        // a statement said to only read answers the same (it skips the WAL position a write waits for)
        expect((await second.query("SELECT doc FROM kept WHERE doc = $1::jsonb", [{ kept: true }], { readOnly: true })).rows).toEqual([{ doc: { kept: true } }]);
        await second.close();
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    } else {
      // dataDir is a PGlite option; with a database URL the server owns persistence.
      expect(db().kind).toBe("pg");
    }
  });
});

describe("unavailable database", () => {
  it("rejects with UNAVAILABLE when the server refuses connections", async () => {
    const refused = await createDriver({ databaseUrl: "postgres://postgres@127.0.0.1:1/postgres" });
    try {
      const error = await rejection(refused.query("SELECT 1"));
      expect(isFrameworkError(error, "UNAVAILABLE")).toBe(true);
      expect((error as FrameworkError).message).toMatch(/^database unavailable: /);
      // a transaction needs its connection only once it sends something: a statement, or its commit
      const txError = await rejection(refused.transaction({}, (tx) => tx.query("SELECT 1")));
      expect(isFrameworkError(txError, "UNAVAILABLE")).toBe(true);
      const commitError = await rejection(refused.transaction({}, (tx) => {
          tx.defer!("SELECT 1");
          return Promise.resolve();
        }));
      expect(isFrameworkError(commitError, "UNAVAILABLE")).toBe(true);
      const listenError = await rejection(refused.listen("chan", () => undefined));
      expect(isFrameworkError(listenError, "UNAVAILABLE")).toBe(true);
    } finally {
      await refused.close();
    }
  });

  it("yields UNAVAILABLE for a connection killed mid-session, then recovers", async () => {
    if (db().kind === "pg") {
      const d = driver();
      const error = await rejection(
        d.transaction({}, async (tx) => {
          const { rows } = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
          const killed = await d.query<{ ok: boolean }>("SELECT pg_terminate_backend($1) AS ok", [rows[0]!.pid]);
          expect(killed.rows).toEqual([{ ok: true }]);
          await tx.query("SELECT 1");
        }),
      );
      expect(isFrameworkError(error, "UNAVAILABLE")).toBe(true);
      expect(error).not.toBeInstanceOf(DatabaseError);
      // The broken client was destroyed: every pooled connection works again.
      const results = await Promise.all(Array.from({ length: 5 }, () => d.query("SELECT 1 AS one")));
      expect(results.map((result) => result.rows)).toEqual(Array.from({ length: 5 }, () => [{ one: 1 }]));
      expect((await d.transaction({}, (tx) => tx.query("SELECT 2 AS two"))).rows).toEqual([{ two: 2 }]);
    } else {
      // PGlite has no server to lose; a closed PGlite is its "unavailable".
      const embedded = await createDriver({});
      await embedded.close();
      const error = await rejection(embedded.query("SELECT 1"));
      expect(isFrameworkError(error, "UNAVAILABLE")).toBe(true);
    }
  });

  it("re-listens after the LISTEN connection is killed", async () => {
    if (db().kind === "pg") {
      const d = driver();
      const received: string[] = [];
      const unlisten = await d.listen("convoy_reconnect", (payload) => received.push(payload));
      await d.notify("convoy_reconnect", "before");
      await waitFor(() => received.length === 1);
      const killed = await d.query<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
          WHERE datname = current_database() AND query ILIKE 'LISTEN "convoy_reconnect"' AND pid <> pg_backend_pid()`,
      );
      expect(killed.rows).toEqual([{ ok: true }]);
      // Notifications sent while reconnecting are lost (LISTEN is not durable); keep sending
      // until one arrives over the new connection.
      const deadline = Date.now() + 10_000;
      while (!received.includes("after") && Date.now() < deadline) {
        await d.notify("convoy_reconnect", "after");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(received[0]).toBe("before");
      expect(received).toContain("after");
      await unlisten();
    } else {
      const embedded = await createDriver({});
      const received: string[] = [];
      await embedded.listen("x", (payload) => received.push(payload));
      await embedded.notify("x", "y");
      await waitFor(() => received.length === 1);
      expect(received).toEqual(["y"]);
      await embedded.close();
    }
  });
});

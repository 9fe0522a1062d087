import { AsyncLocalStorage } from "node:async_hooks";
import { PGlite } from "@electric-sql/pglite";
import type { ParserOptions, Results } from "@electric-sql/pglite";
import { FrameworkError } from "../../errors/framework-error.js";
import type { Driver, NotificationHandler, QueryResult, Queryable, Row, TransactionOptions } from "../driver.js";
import { affectedRowCount, beginStatement, parseByteaHex, prepareParams, quoteChannel, untilAborted } from "../driver-utils.js";
import { abortedCommitError, finishedTransactionError, normalizeDriverError } from "../errors.js";
import { Mutex } from "./mutex.js";

/** Options of {@link createPgliteDriver}. */
export interface PgliteDriverOptions {
  /** Directory holding the database files; omitted = in memory (lost on close). */
  dataDir?: string;
}

const identity = (value: string): string => value;
const parseJson = (value: string): unknown => JSON.parse(value) as unknown;

/** The same result conventions as the pg driver (PGlite's own default parses int8 to number). */
const PARSERS: ParserOptions = {
  17: (value: string) => parseByteaHex(value) ?? value,
  20: identity,
  1700: identity,
  114: parseJson,
  3802: parseJson,
  700: (value: string) => Number.parseFloat(value),
  701: (value: string) => Number.parseFloat(value),
};

function toResult<TRow extends Row>(result: Results | undefined): QueryResult<TRow> {
  if (result === undefined) return { rows: [], rowCount: 0 };
  return { rows: result.rows as TRow[], rowCount: affectedRowCount(result.command, result.rowCount) };
}

/** Which transaction (if any) the current async context runs inside. */
interface TransactionScope {
  active: boolean;
}

/**
 * A {@link Driver} over embedded PGlite (PostgreSQL in WebAssembly, from the npm package; no
 * download at run time). PGlite is a single connection, so transactions are queued: they never
 * interleave with each other or with plain `query` calls, which wait until the running
 * transaction ends.
 *
 * Inside a transaction, use the `tx` handle: calling `driver.query` or starting another
 * transaction from inside one would wait for itself, so it throws instead.
 *
 * @example
 * const driver = await createPgliteDriver({ dataDir: ".convoy/db" });
 * await driver.transaction({ isolation: "serializable" }, (tx) => tx.query("INSERT INTO t VALUES (1)"));
 * await driver.close();
 */
export async function createPgliteDriver(options: PgliteDriverOptions = {}): Promise<Driver> {
  let db: PGlite;
  try {
    db = await PGlite.create({ ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }), parsers: PARSERS });
  } catch (error) {
    throw normalizeDriverError(error);
  }
  const mutex = new Mutex();
  const scope = new AsyncLocalStorage<TransactionScope>();
  const handlers = new Map<string, Set<NotificationHandler>>();
  let closed = false;
  let closing: Promise<void> | undefined;

  const stopNotifications = db.onNotification((channel, payload) => {
    const set = handlers.get(channel);
    if (set === undefined) return;
    for (const handler of [...set]) {
      try {
        handler(payload);
      } catch {
        // A failing handler must not stop delivery to the others.
      }
    }
  });

  /** Run one statement on the connection (the caller holds the mutex). */
  async function run(sql: string, params?: readonly unknown[]): Promise<Results | undefined> {
    if (closed) throw normalizeDriverError(new Error("PGlite is closed"));
    try {
      if (params === undefined || params.length === 0) {
        // Simple protocol, like pg without parameters: a string may hold several statements.
        const results = await db.exec(sql);
        return results[results.length - 1];
      }
      return await db.query(sql, prepareParams(params));
    } catch (error) {
      throw normalizeDriverError(error);
    }
  }

  function assertOutsideTransaction(what: string): void {
    if (scope.getStore()?.active === true) {
      throw new FrameworkError(
        "INTERNAL",
        `${what} called inside a transaction on PGlite (one connection): it would wait for itself; use the tx handle`,
      );
    }
  }

  async function query<TRow extends Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<TRow>> {
    assertOutsideTransaction("driver.query");
    return toResult<TRow>(await mutex.run(() => run(sql, params)));
  }

  async function transaction<T>(txOptions: TransactionOptions, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    assertOutsideTransaction("driver.transaction");
    const begin = beginStatement(txOptions);
    const { signal } = txOptions;
    return mutex.run(async () => {
      // Aborted while queued (its call's deadline passed): start nothing.
      if (signal?.aborted === true) throw signal.reason as Error;
      await run(begin);
      const state: TransactionScope = { active: true };
      const tx: Queryable = {
        async query<TRow extends Row>(sql: string, params?: readonly unknown[]) {
          if (!state.active) throw finishedTransactionError();
          return toResult<TRow>(await run(sql, params));
        },
      };
      let value: T;
      try {
        // An abort rolls back now, even if `fn` never settles: the connection goes to the next in line.
        value = await untilAborted(
          scope.run(state, () => fn(tx)),
          signal,
        );
      } catch (error) {
        state.active = false;
        await run("ROLLBACK").catch(() => undefined);
        throw error;
      }
      state.active = false;
      const commit = await run("COMMIT");
      if (commit?.command === "ROLLBACK") throw abortedCommitError();
      return value;
    });
  }

  async function listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    const quoted = quoteChannel(channel);
    assertOutsideTransaction("driver.listen");
    await mutex.run(async () => {
      let set = handlers.get(channel);
      if (set === undefined) {
        await run(`LISTEN ${quoted}`);
        set = new Set();
        handlers.set(channel, set);
      }
      set.add(handler);
    });
    let subscribed = true;
    return async () => {
      if (!subscribed) return;
      subscribed = false;
      await mutex.run(async () => {
        const set = handlers.get(channel);
        if (set === undefined) return;
        set.delete(handler);
        if (set.size > 0) return;
        handlers.delete(channel);
        if (!closed) await run(`UNLISTEN ${quoted}`);
      });
    };
  }

  return {
    kind: "pglite",
    query,
    transaction,
    listen,
    async notify(channel: string, payload: string) {
      quoteChannel(channel);
      await query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    close() {
      // Let queued work finish, then close; later calls fail with UNAVAILABLE.
      closing ??= mutex.run(async () => {
        closed = true;
        stopNotifications();
        handlers.clear();
        await db.close();
      });
      return closing;
    },
  };
}

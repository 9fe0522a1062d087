import { AsyncLocalStorage } from "node:async_hooks";
import { PGlite } from "@electric-sql/pglite";
import type { ParserOptions, Results } from "@electric-sql/pglite";
import { FrameworkError } from "../../errors/framework-error.js";
import type { Driver, NotificationHandler, QueryResult, Queryable, Row, StatementOptions, TransactionOptions } from "../driver.js";
import { abortReason, affectedRowCount, beginStatements, parseByteaHex, quoteChannel, RESET_SESSION_SQL, UNKNOWN_SESSION, untilAborted, type SessionProfile } from "../driver-utils.js";
import { abortedCommitError, finishedTransactionError, normalizeDriverError } from "../errors.js";
import { createDurableCommit, walPositionOf, WAL_POSITION_SQL, type DurableCommit, type WalPosition } from "./durable-commit.js";
import { createInMemoryPglite } from "./fresh-cluster.js";
import { Mutex } from "./mutex.js";
import { SharedReads, sharedReadKey } from "../shared-reads.js";
import { ProtocolBatches, type BatchResult, type BatchStatement } from "./protocol-batch.js";

/**
 * How commits reach the disk on an embedded data directory:
 * - `"fsync"`: a commit is acknowledged only after its WAL record is synced to disk
 *   (`fdatasync`); it survives a process kill, an OS crash and a power loss.
 * - `"relaxed"`: commits are written to the OS (they survive a process kill) but never
 *   synced; an OS crash or power loss can lose recent commits or corrupt the directory.
 */
export type Durability = "fsync" | "relaxed";

/** Options of {@link createPgliteDriver}. */
export interface PgliteDriverOptions {
  /** Directory holding the database files; omitted = in memory (lost on close). */
  dataDir?: string;
  /** With `dataDir`: see {@link Durability} (default `"fsync"`). Ignored in memory. */
  durability?: Durability;
  /**
   * Throw when the driver is called from inside one of its own transactions (default false).
   * PGlite is one connection, so such a call would wait for the transaction it is part of,
   * until the transaction's deadline rolls it back (forever without one). Detecting it tracks
   * async context (`AsyncLocalStorage`), whose promise hooks cost about 15% of the CPU of
   * promise-heavy code on Node 20: meant for tests and debugging.
   */
  detectReentry?: boolean;
}

/** Whether `dataDir` names a directory on the local disk (not in memory, not another PGlite scheme). */
function isDiskDirectory(dataDir: string | undefined): dataDir is string {
  return dataDir !== undefined && dataDir !== "" && !dataDir.includes("://");
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

function toResult<TRow extends Row>(result: Results | BatchResult | undefined): QueryResult<TRow> {
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
 * transaction from inside one would wait for itself (`detectReentry` makes it throw instead).
 *
 * @example
 * const driver = await createPgliteDriver({ dataDir: ".convoy/db" });
 * await driver.transaction({ isolation: "serializable" }, (tx) => tx.query("INSERT INTO t VALUES (1)"));
 * await driver.close();
 */
export async function createPgliteDriver(options: PgliteDriverOptions = {}): Promise<Driver> {
  let db: PGlite;
  try {
    db = options.dataDir === undefined ? await createInMemoryPglite({ parsers: PARSERS }) : await PGlite.create({ dataDir: options.dataDir, parsers: PARSERS });
  } catch (error) {
    throw normalizeDriverError(error);
  }
  let durable: DurableCommit | undefined;
  if (isDiskDirectory(options.dataDir) && (options.durability ?? "fsync") === "fsync") {
    durable = createDurableCommit(options.dataDir);
    try {
      // Whatever earlier runs (and initdb) left unsynced goes to disk before the first commit.
      await durable.syncAll(walPositionOf((await db.query<Row>(WAL_POSITION_SQL)).rows[0]));
    } catch (error) {
      await db.close().catch(() => undefined);
      throw normalizeDriverError(error);
    }
  }
  const mutex = new Mutex();
  const sharedReads = new SharedReads();
  const scope = options.detectReentry === true ? new AsyncLocalStorage<TransactionScope>() : undefined;
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

  const batches = new ProtocolBatches(db);
  /** The one session's settings beyond its defaults (see `beginStatements`). */
  let profile: SessionProfile = "";

  /** Before a statement that may write: the session's defaults back (the caller holds the mutex). */
  async function resetSession(): Promise<void> {
    if (profile === "") return;
    profile = UNKNOWN_SESSION;
    await run(RESET_SESSION_SQL);
    profile = "";
  }

  /** Run one statement on the connection (the caller holds the mutex). */
  async function run(sql: string, params?: readonly unknown[]): Promise<Results | BatchResult | undefined> {
    if (params === undefined || params.length === 0) {
      const results = await runAll(sql);
      return results[results.length - 1];
    }
    return (await runBatch([[{ sql, params }]]))[0];
  }

  /** Run statements with parameters in one call into PGlite, a `Sync` after each segment (the caller holds the mutex). */
  async function runBatch(segments: readonly (readonly BatchStatement[])[]): Promise<BatchResult[]> {
    if (closed) throw normalizeDriverError(new Error("PGlite is closed"));
    try {
      return await batches.run(segments);
    } catch (error) {
      throw normalizeDriverError(error);
    }
  }

  /** Run statements without parameters in one call (simple protocol, like pg): the result of each. */
  async function runAll(sql: string): Promise<Results[]> {
    if (closed) throw normalizeDriverError(new Error("PGlite is closed"));
    try {
      return await db.exec(sql);
    } catch (error) {
      throw normalizeDriverError(error);
    }
  }

  function assertOutsideTransaction(what: string): void {
    if (scope?.getStore()?.active === true) {
      throw new FrameworkError(
        "INTERNAL",
        `${what} called inside a transaction on PGlite (one connection): it would wait for itself; use the tx handle`,
      );
    }
  }

  /** Where the WAL ends now, when commits are synced (the caller holds the mutex). */
  async function walPosition(): Promise<WalPosition | undefined> {
    if (durable === undefined) return undefined;
    return walPositionOf((await run(WAL_POSITION_SQL))?.rows[0]);
  }

  /** Wait until a commit ending at `position` is on disk (outside the mutex, so commits group). */
  async function synced(position: WalPosition | undefined): Promise<void> {
    if (durable !== undefined && position !== undefined) await durable.sync(position);
  }

  async function query<TRow extends Row>(sql: string, params?: readonly unknown[], options?: StatementOptions): Promise<QueryResult<TRow>> {
    assertOutsideTransaction("driver.query");
    // A statement on its own commits when it writes: its WAL is synced before it answers
    // (unchanged WAL makes the sync a no-op), unless the caller says it only reads.
    if (options?.readOnly === true) {
      // identical reads queued behind each other share one statement
      return sharedReads.run(sharedReadKey(sql, params), (started) =>
        mutex.run(async () => {
          started();
          return toResult<TRow>(params === undefined || params.length === 0 ? await run(sql) : (await runBatch([[{ sql, params }]]))[0]);
        }),
      );
    }
    const synchronous = durable !== undefined;
    const { result, position } = await mutex.run(async () => {
      await resetSession();
      if (params === undefined || params.length === 0) return { result: await run(sql), position: synchronous ? await walPosition() : undefined };
      // with parameters: the statement and the read of the WAL position in one call
      const results = await runBatch([[{ sql, params }], ...(synchronous ? [[{ sql: WAL_POSITION_SQL }]] : [])]);
      return { result: results[0], position: synchronous ? walPositionOf(results[1]?.rows[0]) : undefined };
    });
    await synced(position);
    return toResult<TRow>(result);
  }

  async function transaction<T>(txOptions: TransactionOptions, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    assertOutsideTransaction("driver.transaction");
    const { value, position } = await mutex.run(async () => {
      // Aborted while queued (its call's deadline passed): start nothing.
      const aborted = abortReason(txOptions);
      if (aborted !== undefined) throw aborted;
      // PGlite cannot enforce `statement_timeout` (no timer signals in WebAssembly): it is not sent.
      const start = beginStatements(txOptions, { profile, statementTimeoutMs: txOptions.statementTimeoutMs });
      const begin: BatchStatement[] = start.statements.map(({ text, values }) => ({ sql: text, params: values }));
      const state: TransactionScope = { active: true };
      /**
       * As on pg, `BEGIN` waits for the transaction's first statement and deferred writes for the
       * next statement or for `COMMIT`, and they go in one call into PGlite (a protocol batch): a
       * transaction of blind writes only (an insert) is one call, a read-modify-write two.
       */
      let begun = false;
      let unsent: BatchStatement[] = [];
      /** What has not been sent yet (`BEGIN`, deferred writes), then `last`; all of it counts as sent from now. */
      const takeUnsent = (last?: BatchStatement): BatchStatement[] => {
        // once anything is sent, the session's settings are known again only at the commit
        // (a rollback undoes those made in the transaction)
        profile = UNKNOWN_SESSION;
        const statements = begun ? unsent : [...begin, ...unsent];
        if (last !== undefined) statements.push(last);
        begun = true;
        unsent = [];
        return statements;
      };
      const tx: Queryable = {
        async query<TRow extends Row>(sql: string, params?: readonly unknown[]) {
          if (!state.active) throw finishedTransactionError();
          // Deferred writes come after any savepoint: rolling back to one drops them unsent.
          if (sql.startsWith("ROLLBACK TO SAVEPOINT ")) unsent = [];
          if (params !== undefined && params.length > 0) return toResult<TRow>((await runBatch([takeUnsent({ sql, params })])).at(-1));
          // Without parameters it may be several statements (the simple protocol), after what is pending.
          const pending = takeUnsent();
          if (pending.length > 0) await runBatch([pending]);
          return toResult<TRow>(await run(sql));
        },
        defer(sql: string, params?: readonly unknown[]) {
          if (!state.active) throw finishedTransactionError();
          unsent.push({ sql, params });
        },
      };
      let value: T;
      try {
        // An abort rolls back now, even if `fn` never settles: the connection goes to the next in line.
        value = await untilAborted(
          scope === undefined ? fn(tx) : scope.run(state, () => fn(tx)),
          txOptions,
        );
      } catch (error) {
        state.active = false;
        unsent = [];
        if (begun) await run("ROLLBACK").catch(() => undefined);
        throw error;
      }
      state.active = false;
      // Nothing was sent or deferred: there is nothing to commit.
      if (!begun && unsent.length === 0) return { value, position: undefined };
      // Where the WAL ends is read in the same call as COMMIT.
      const synchronous = durable !== undefined && txOptions.readOnly !== true;
      // Only deferred writes (an insert): the settings and the writes without BEGIN and COMMIT,
      // the implicit transaction of one protocol segment, which commits at its Sync, all or
      // nothing. Transactions never overlap here, so its isolation level is moot.
      const implicit = !begun && txOptions.readOnly !== true;
      const statements = implicit ? [...begin.slice(1), ...unsent] : takeUnsent({ sql: "COMMIT" });
      profile = UNKNOWN_SESSION;
      let results: BatchResult[];
      try {
        results = await runBatch([statements, ...(synchronous ? [[{ sql: WAL_POSITION_SQL }]] : [])]);
      } catch (error) {
        // A statement before COMMIT failed: the transaction is still open, aborted.
        if (!implicit) await run("ROLLBACK").catch(() => undefined);
        throw error;
      }
      if (!implicit && results[statements.length - 1]?.command === "ROLLBACK") throw abortedCommitError();
      profile = start.profile;
      return { value, position: synchronous ? walPositionOf(results.at(-1)?.rows[0]) : undefined };
    });
    // Acknowledged only once durable (mode "fsync"); the next transaction may run meanwhile.
    await synced(position);
    return value;
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
    async health() {
      if (closed || db.closed) throw normalizeDriverError(new Error("PGlite is closed"));
      // PGlite runs in this thread: while work holds the connection, the database is up and
      // serving it (a statement cannot hang without stopping this process too). Idle: ask it.
      if (mutex.pending > 0) return;
      await mutex.run(() => run("SELECT 1"));
    },
    close() {
      // Let queued work finish, then close; later calls fail with UNAVAILABLE.
      closing ??= mutex.run(async () => {
        closed = true;
        stopNotifications();
        handlers.clear();
        await db.close();
        // The shutdown checkpoint rewrote data files and pg_control.
        await durable?.syncAll();
      });
      return closing;
    },
  };
}

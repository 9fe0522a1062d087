import pg from "pg";
import type { PoolClient, QueryResult as PgQueryResult } from "pg";
import type { Driver, NotificationHandler, QueryResult, Queryable, Row, StatementOptions, TransactionOptions } from "../driver.js";
import { abortReason, affectedRowCount, beginStatements as beginTexts, prepareParams, quoteChannel, RESET_SESSION_SQL, UNKNOWN_SESSION, untilAborted, type SessionProfile, type TransactionStart } from "../driver-utils.js";
import { abortedCommitError, commitOutcomeUnknownError, finishedTransactionError, isConnectionError, isServerReport, normalizeDriverError } from "../errors.js";
import { FrameworkError } from "../../errors/framework-error.js";
import { PgListener } from "./pg-listener.js";
import { convoyPgTypes } from "./pg-types.js";
import { Pipeline, type PipelineError, type PipelineResult, type PipelineStatement } from "./pipeline.js";
import { StatementNames } from "../statement-names.js";
import { SharedReads, sharedReadKey } from "../shared-reads.js";
import { ReadBatches } from "./read-batches.js";
import { CommitBatches } from "./commit-batches.js";

/** Options of {@link createPgDriver}. */
export interface PgDriverOptions {
  /** `postgres://user:password@host:port/database?…` */
  connectionString: string;
  /** Pool size (default 10). */
  max?: number;
  /** Milliseconds to wait for a new connection before failing with `UNAVAILABLE` (default 10 000). */
  connectionTimeoutMillis?: number;
  /** Milliseconds an idle pooled connection is kept (default 10 000). */
  idleTimeoutMillis?: number;
  /**
   * Client-side safety net: a statement with no answer for this many ms fails with
   * `UNAVAILABLE` and its connection is discarded (default 60 000; above any statement timeout).
   */
  queryTimeoutMillis?: number;
  /** TCP keepalive probes start after the connection is idle this long, in ms (default 10 000), so a dead link is detected. */
  keepAliveInitialDelayMillis?: number;
  /** Called with errors of idle pooled connections (they are dropped and replaced either way). */
  onIdleError?: (error: unknown) => void;
  /**
   * `statement_timeout` of every pooled connection, in ms (default none: the schema planner's
   * index builds may run long). `createDriver` sets 30 000; transactions may lower it with
   * `TransactionOptions.statementTimeoutMs`.
   */
  statementTimeoutMs?: number;
}

function toResult<TRow extends Row>(result: PgQueryResult | PgQueryResult[] | PipelineResult): QueryResult<TRow> {
  // A multi-statement string (no parameters) answers one result per statement: keep the last.
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  if (last === undefined) return { rows: [], rowCount: 0 };
  return { rows: (last.rows as TRow[] | undefined) ?? [], rowCount: affectedRowCount(last.command, last.rowCount) };
}

function toPipelineResult(result: PgQueryResult | PgQueryResult[]): PipelineResult | undefined {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  return last === undefined ? undefined : { command: last.command, rowCount: last.rowCount, rows: last.rows as Row[] };
}

/**
 * A {@link Driver} over a `pg` Pool, for a real PostgreSQL server.
 *
 * Type parsers are scoped to this pool (pg's global registry is untouched): `json`/`jsonb`
 * parsed, `float4`/`float8` numbers, `int8`/`numeric` strings, `bytea` `Uint8Array` (a Buffer).
 *
 * @example
 * const driver = createPgDriver({ connectionString: "postgres://postgres@127.0.0.1:5432/app" });
 * const { rows } = await driver.query<{ n: number }>("SELECT $1::float8 AS n", [1.5]);
 * await driver.close();
 */
export function createPgDriver(options: PgDriverOptions): Driver {
  const clientConfig = {
    connectionString: options.connectionString,
    types: convoyPgTypes,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: options.keepAliveInitialDelayMillis ?? 10_000,
  };
  const queryTimeout = options.queryTimeoutMillis ?? 60_000;
  const pool = new pg.Pool({
    ...clientConfig,
    ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
    query_timeout: queryTimeout,
    max: options.max ?? 10,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 10_000,
  });
  // `GET /api/health` checks on a connection of its own: a pool busy with calls does not delay it.
  const healthPool = new pg.Pool({ ...clientConfig, query_timeout: Math.min(queryTimeout, 5000), max: 1, idleTimeoutMillis: 30_000 });
  healthPool.on("error", () => undefined);
  healthPool.on("connect", (client) => {
    client.on("error", () => undefined);
  });
  // An idle connection that dies (server restart, pg_terminate_backend) is reported here;
  // the pool has already discarded it. Without a listener the process would crash.
  pool.on("error", (error) => {
    options.onIdleError?.(error);
  });
  // A dying connection can emit `error` more than once (the FATAL message, then the socket's
  // end); pg-pool's `query` listens only `once`. A permanent listener keeps the second emission
  // from crashing the process, and marks the connection: a transaction holding it (the pool
  // does not watch a checked-out client) then destroys it instead of returning it.
  const failed = new WeakSet<object>();
  pool.on("connect", (client) => {
    client.on("error", () => {
      failed.add(client);
    });
  });
  const listener = new PgListener(clientConfig);
  const names = new StatementNames();
  /** The query as `pg` takes it: a named (prepared) statement when `sql` is preparable. */
  const statement = (sql: string, params: readonly unknown[] | undefined) => {
    const name = names.nameFor(sql);
    return name === undefined ? { text: sql, values: prepareParams(params) } : { name, text: sql, values: prepareParams(params) };
  };
  let closed = false;
  /** Each connection's session settings beyond its defaults (see `beginStatements`); absent: none. */
  const profiles = new WeakMap<PoolClient, SessionProfile>();
  const sharedReads = new SharedReads();

  /** The pool as the batches use it: a connection that reported an error is discarded. */
  const connections = {
    connect: () => pool.connect(),
    release: (client: PoolClient, broken: boolean) => client.release(broken || failed.has(client)),
    types: convoyPgTypes,
  };
  const readBatches = new ReadBatches(connections);
  const commitBatches = new CommitBatches({
    ...connections,
    statement,
    profile: (client) => profiles.get(client) ?? "",
    setProfile: (client, profile) => profiles.set(client, profile),
    statementTimeoutMs: options.statementTimeoutMs,
  });

  /** A read-only statement: shared with identical reads queued with it, sent with the other reads queued by then. */
  function read<TRow extends Row>(sql: string, params: readonly unknown[] | undefined): Promise<QueryResult<TRow>> {
    return sharedReads.run(sharedReadKey(sql, params), async (started) => toResult<TRow>(await readBatches.run(statement(sql, params), started)));
  }

  async function query<TRow extends Row>(sql: string, params?: readonly unknown[], statementOptions?: StatementOptions): Promise<QueryResult<TRow>> {
    try {
      // a read runs under any session settings (only its plan could differ)
      if (statementOptions?.readOnly === true) return await read<TRow>(sql, params);
      const client = await pool.connect();
      let broken = false;
      try {
        // a statement that may write must not run as a mutation's origin
        if ((profiles.get(client) ?? "") !== "") {
          profiles.set(client, UNKNOWN_SESSION);
          await client.query(RESET_SESSION_SQL);
          profiles.delete(client);
        }
        return toResult<TRow>(await client.query(statement(sql, params)));
      } catch (error) {
        broken = !isServerReport(error);
        throw error;
      } finally {
        client.release(broken || failed.has(client));
      }
    } catch (error) {
      throw normalizeDriverError(error);
    }
  }

  async function transaction<T>(txOptions: TransactionOptions, fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const aborted = abortReason(txOptions);
    if (aborted !== undefined) throw aborted;
    // invalid options fail before anything runs (the statements depend on the connection's session)
    beginTexts(txOptions, { profile: "", statementTimeoutMs: options.statementTimeoutMs });
    /**
     * The connection, taken at the first statement sent: a transaction that sends nothing before
     * its commit (deferred writes only) commits with others in one round trip ({@link CommitBatches}).
     */
    let client: PoolClient | undefined;
    let connecting: Promise<PoolClient> | undefined;
    let start: TransactionStart | undefined;
    // set when a statement failed with the connection (or the connection reported an error: `failed`)
    let broken = false;
    let finished = false;
    /**
     * `BEGIN` (and its settings) are not sent on their own: they go with the transaction's first
     * statement, and deferred statements with the next one or with `COMMIT`, in one round trip
     * (a {@link Pipeline}). Until then the server has seen nothing of the transaction.
     */
    let unsent: PipelineStatement[] = [];
    let begun = false;
    const connection = (): Promise<PoolClient> =>
      (connecting ??= pool.connect().then(
        (acquired) => {
          client = acquired;
          start = beginTexts(txOptions, { profile: profiles.get(acquired) ?? "", statementTimeoutMs: options.statementTimeoutMs });
          return acquired;
        },
        (error: unknown) => {
          throw normalizeDriverError(error);
        },
      ));
    const send = (on: PoolClient, statements: PipelineStatement[]): Promise<PipelineResult[]> =>
      new Promise<PipelineResult[]>((resolve, reject) => {
        void on.query(
          new Pipeline(statements, convoyPgTypes, (error, results) => {
            if (error !== null) reject(error);
            else resolve(results!);
          }) as unknown as pg.QueryConfig,
        );
      });
    /** Sends what is pending plus `last` (if any), after `BEGIN` if nothing was sent; resolves to the last statement's result. */
    const run = async (last: PipelineStatement | undefined): Promise<PipelineResult | undefined> => {
      const on = client ?? (await connection());
      const statements = begun ? unsent : [...start!.statements.map(({ text, values }) => statement(text, values)), ...unsent];
      if (last !== undefined) statements.push(last);
      unsent = [];
      if (statements.length === 0) return undefined;
      // once anything is sent, the session's settings are known again only at the commit
      // (a rollback undoes those made in the transaction)
      if (!begun) profiles.set(on, UNKNOWN_SESSION);
      begun = true;
      try {
        if (statements.length === 1) return toPipelineResult(await on.query(statements[0] as pg.QueryConfig<unknown[]>));
        const results = await send(on, statements);
        return results[results.length - 1];
      } catch (error) {
        if (isConnectionError(error)) broken = true;
        throw error;
      }
    };
    const tx: Queryable = {
      async query<TRow extends Row>(sql: string, params?: readonly unknown[]) {
        if (finished) throw finishedTransactionError();
        // Deferred writes all come after the last statement sent, so after any savepoint: rolling
        // back to one would undo them; they are dropped instead of sent.
        if (begun && sql.startsWith("ROLLBACK TO SAVEPOINT ")) unsent = [];
        try {
          if (client === undefined) {
            await connection();
            // ended (its deadline passed) while this statement waited for the connection: send nothing
            if (finished) throw finishedTransactionError();
          }
          return toResult<TRow>((await run(statement(sql, params)))!);
        } catch (error) {
          throw normalizeDriverError(error);
        }
      },
      defer(sql: string, params?: readonly unknown[]) {
        if (finished) throw finishedTransactionError();
        unsent.push(statement(sql, params));
      },
    };
    try {
      let value: T;
      try {
        // An abort rolls back now, even if `fn` never settles (after the statement in flight, which
        // `statement_timeout` bounds), and frees the connection.
        value = await untilAborted(fn(tx), txOptions);
      } catch (error) {
        finished = true;
        unsent = [];
        if (!broken && client !== undefined && !failed.has(client) && begun) {
          try {
            await run({ text: "ROLLBACK", values: [] });
          } catch {
            broken = true;
          }
        }
        throw error;
      }
      // a statement `fn` did not wait for, still waiting for the connection, goes first
      if (client === undefined && connecting !== undefined) await connecting.catch(() => undefined);
      finished = true;
      if (!begun) {
        // Nothing was sent: there is nothing to commit, or only deferred writes, committed with others'.
        if (unsent.length === 0) return value;
        if (client === undefined) {
          const writes = unsent;
          unsent = [];
          await commitBatches.commit(txOptions, writes);
          return value;
        }
      }
      const commitIndex = unsent.length + (begun ? 0 : (start?.statements.length ?? 0));
      let commit: PipelineResult | undefined;
      try {
        commit = await run({ text: "COMMIT", values: [] });
      } catch (error) {
        const index = (error as PipelineError).pipelineIndex ?? commitIndex;
        // A statement sent with COMMIT failed: the server skipped COMMIT; end the aborted transaction.
        if (index < commitIndex && isServerReport(error)) {
          if (!broken && !failed.has(client!)) {
            try {
              await run({ text: "ROLLBACK", values: [] });
            } catch {
              broken = true;
            }
          }
          throw normalizeDriverError(error);
        }
        // Lost after COMMIT was sent: the server may have committed. Say so; never pretend it failed.
        const normalized = normalizeDriverError(error);
        throw txOptions.readOnly !== true && isConnectionError(normalized) ? commitOutcomeUnknownError(error) : normalized;
      }
      if (commit?.command === "ROLLBACK") throw abortedCommitError();
      profiles.set(client!, start!.profile);
      return value;
    } catch (error) {
      // A failed BEGIN or COMMIT: the outcome on the server is a rollback (or unknown if broken).
      finished = true;
      throw error;
    } finally {
      if (client !== undefined) client.release(broken || failed.has(client));
      // ended while its first statement waited for a connection: that connection goes back when it comes
      else if (connecting !== undefined) {
        connecting.then(
          (late) => late.release(failed.has(late)),
          () => undefined,
        );
      }
    }
  }

  return {
    kind: "pg",
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    query,
    transaction,
    listen(channel: string, handler: NotificationHandler) {
      return listener.listen(channel, handler);
    },
    async notify(channel: string, payload: string) {
      quoteChannel(channel);
      await query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    async health() {
      try {
        await healthPool.query("SELECT 1");
      } catch (error) {
        const normalized = normalizeDriverError(error);
        throw isConnectionError(normalized) ? normalized : new FrameworkError("UNAVAILABLE", `database health check failed: ${String(error)}`, { cause: error });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await listener.close();
      await Promise.all([pool.end(), healthPool.end()]);
    },
  };
}

import type { Driver, Queryable } from "../driver/index.js";
import { DatabaseError } from "../errors/index.js";
import type { SyncStatement } from "./plan-types.js";

/**
 * Where a sync's statements run. On a real server: one dedicated session (a `max: 1` pool) that
 * holds the advisory lock, runs `CONCURRENTLY` statements outside transactions and groups the
 * others into short transactions. On PGlite: one open transaction.
 */
export interface SyncSession {
  /** `true` when everything already runs inside one transaction. */
  readonly inTransaction: boolean;
  query: Queryable["query"];
  /** Runs `fn` in a transaction (directly, when already inside one). */
  transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
}

/** A session over a single-connection driver (each `transaction` is a real one). */
export function driverSession(driver: Driver): SyncSession {
  return {
    inTransaction: false,
    query: (sql, params) => driver.query(sql, params),
    transaction: (fn) => driver.transaction({ isolation: "read committed" }, fn),
  };
}

/** A session inside an open transaction. */
export function transactionSession(tx: Queryable): SyncSession {
  return { inTransaction: true, query: (sql, params) => tx.query(sql, params), transaction: (fn) => fn(tx) };
}

/** How DDL waits for locks. */
export interface LockPolicy {
  /** `lock_timeout` of each DDL statement, in ms (default 5000): a statement never queues behind a long transaction for longer, blocking the app's queries behind it. */
  lockTimeoutMs?: number;
  /** Retries after a lock timeout or deadlock (default 5), with growing pauses. */
  retries?: number;
  /** Told about each retry. */
  onRetry?: (statement: SyncStatement, attempt: number, error: DatabaseError) => void;
}

const RETRYABLE = new Set(["55P03", "40P01", "40001"]);

function isRetryable(error: unknown): error is DatabaseError {
  return error instanceof DatabaseError && RETRYABLE.has(error.sqlState);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs statements in order: each `concurrent` one alone (outside a transaction), each run of
 * the others in one transaction. Every attempt sets `lock_timeout`; a lock timeout or deadlock
 * is retried (after the statement's `retryCleanup`, e.g. dropping the INVALID index a failed
 * concurrent build left).
 */
export async function executeStatements(session: SyncSession, statements: readonly SyncStatement[], policy: LockPolicy = {}): Promise<void> {
  const lockTimeout = Math.max(1, Math.floor(policy.lockTimeoutMs ?? 5000));
  const retries = policy.retries ?? 5;
  let group: SyncStatement[] = [];
  const withRetries = async (first: SyncStatement, run: () => Promise<void>, cleanup?: () => Promise<void>): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await run();
        return;
      } catch (error) {
        if (session.inTransaction || !isRetryable(error) || attempt > retries) throw error;
        policy.onRetry?.(first, attempt, error);
        await sleep(Math.min(5000, 200 * 2 ** (attempt - 1)) * (0.5 + Math.random()));
        await cleanup?.();
      }
    }
  };
  const flush = async (): Promise<void> => {
    if (group.length === 0) return;
    const batch = group;
    group = [];
    await withRetries(batch[0]!, () =>
      session.transaction(async (q) => {
        await q.query(`SET LOCAL lock_timeout = ${String(lockTimeout)}`);
        for (const statement of batch) await q.query(statement.sql, statement.params);
      }),
    );
  };
  for (const statement of statements) {
    if (!statement.concurrent) {
      group.push(statement);
      continue;
    }
    await flush();
    if (session.inTransaction) throw new Error(`cannot run a CONCURRENTLY statement inside a transaction: ${statement.sql}`);
    await withRetries(
      statement,
      async () => {
        await session.query(`SET lock_timeout = ${String(lockTimeout)}`);
        await session.query(statement.sql, statement.params);
      },
      statement.retryCleanup === undefined
        ? undefined
        : async () => {
            await session.query(statement.retryCleanup!);
          },
    );
  }
  await flush();
}

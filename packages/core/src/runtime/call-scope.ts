import { DocumentCache } from "../db/document-cache.js";
import { ReadBudget } from "../db/read-budget.js";
import type { Queryable, QueryResult, Row, StatementOptions } from "../driver/driver.js";
import { finishedTransactionError } from "../driver/errors.js";
import { DatabaseError } from "../errors/database-error.js";
import type { AccessLog } from "../storage/access-log.js";
import type { CallContext } from "./call-context.js";
import type { DatabaseRules } from "../db/database-rules.js";
import type { TableLookupChannel } from "../db/database.js";

/** Whether an error is a serialization failure or deadlock (SQLSTATE 40001 / 40P01). */
export function isRetryableError(error: unknown): error is DatabaseError {
  return error instanceof DatabaseError && error.isRetryable;
}

/**
 * One attempt of one top-level call: the call's context, the transaction, the access log shared
 * by nested calls, and what must fail the attempt even if user code swallowed it.
 */
export class CallScope {
  /** The transaction as ctx.db uses it: records retryable failures on the way through. */
  readonly tx: Queryable;
  /** Reads and writes of the call and of its nested calls (the context's recorder for this attempt). */
  readonly log: AccessLog;
  /** Rows this attempt's transaction has read, shared by every ctx.db of the call. */
  readonly cache = new DocumentCache();
  /** What this attempt has read against the call's read limits (nested calls included). */
  readonly budget: ReadBudget;
  /**
   * An error that dooms this attempt: a serialization failure or deadlock (retry the whole
   * call), a read limit passed, or a failed savepoint rollback. Set even when user code catches the error, so the
   * attempt never commits after it.
   */
  poison: Error | undefined = undefined;
  /** The table rules of this attempt, shared by its nested calls (made by `invoke.ts` on first use). */
  rules: DatabaseRules | undefined = undefined;
  private savepoints = 0;
  private lookupChannel: TableLookupChannel | undefined;

  constructor(
    private readonly rawTx: Queryable,
    /** The call this attempt belongs to (identity, deadline, limits, after-commit hooks). */
    readonly context: CallContext,
  ) {
    this.log = context.beginAttempt();
    // Past a read limit the attempt is doomed, even if user code catches the error.
    this.budget = new ReadBudget(context.limits, context.describe, (error) => {
      this.poison ??= error;
    });
    const tx: Queryable = {
      query: async <TRow extends Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<TRow>> => {
        // A handler still running past its deadline (its call has already failed) sends nothing more.
        context.throwIfExpired();
        try {
          return await rawTx.query<TRow>(sql, params);
        } catch (error) {
          if (isRetryableError(error)) this.poison ??= error;
          throw error;
        }
      },
    };
    if (rawTx.defer !== undefined) {
      const defer = rawTx.defer.bind(rawTx);
      tx.defer = (sql, params) => {
        context.throwIfExpired();
        defer(sql, params);
      };
    }
    this.tx = tx;
  }

  /** How ctx.db asks for tables outside a non-strict schema (see storage/dynamic-tables.ts); made on first use. */
  get lookups(): TableLookupChannel {
    return (this.lookupChannel ??= {
      state: this.context.tableLookups,
      request: (lookup) => {
        this.poison ??= lookup;
        throw lookup;
      },
    });
  }

  /**
   * Run `fn` inside a savepoint: released when it resolves; rolled back (and the access log
   * and the after-commit hooks truncated to where they were, the document cache cleared) when it
   * throws, then the error is rethrown.
   */
  async inSavepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `convoy_sp_${++this.savepoints}`;
    await this.tx.query(`SAVEPOINT ${name}`);
    const mark = this.context.mark();
    let value: T;
    try {
      value = await fn();
    } catch (error) {
      // A conflict inside the savepoint dooms the whole attempt, even if the caller catches it.
      if (isRetryableError(error)) this.poison ??= error;
      this.context.truncate(mark);
      // Rows read or written inside the savepoint may be undone: forget them all (before the
      // rollback is issued, so reads in flight cannot refill the cache with undone rows).
      this.cache.clear();
      try {
        await this.rawTx.query(`ROLLBACK TO SAVEPOINT ${name}`);
        await this.rawTx.query(`RELEASE SAVEPOINT ${name}`);
      } catch (rollbackError) {
        this.poison ??= rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw error;
    }
    await this.tx.query(`RELEASE SAVEPOINT ${name}`);
    return value;
  }
}

/**
 * What a query's single-statement attempt throws at its second statement (and every later
 * one): the attempt is abandoned and the runner runs the query again in a transaction. Never
 * reaches a caller, even when a handler catches it.
 */
export class NeedsTransaction extends Error {
  constructor() {
    super("convoy: this query issues more than one statement; it runs again in a read-only transaction");
    this.name = "NeedsTransaction";
  }
}

const READ_ONLY: StatementOptions = { readOnly: true };

/**
 * The database as a query's first attempt sees it: its first statement runs alone on the
 * driver, outside an explicit transaction (one statement reads one consistent snapshot, and
 * the statements of a query only read). A second statement (sequential or concurrent) abandons
 * the attempt: it and every later one throw {@link NeedsTransaction}, and the runner discards
 * the attempt (result, error and access log) and runs the handler again in a
 * `REPEATABLE READ READ ONLY` transaction.
 */
export class SingleStatement implements Queryable {
  /** A second statement was issued: the attempt must run again in a transaction. */
  abandoned = false;
  /** The single statement failed (a handler that catches that must still fail as it did in a transaction). */
  failed = false;
  private issued = false;
  private finished = false;

  constructor(private readonly driver: Queryable) {}

  query<TRow extends Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<TRow>> {
    if (this.finished) return Promise.reject(finishedTransactionError());
    if (this.issued) {
      this.abandoned = true;
      return Promise.reject(new NeedsTransaction());
    }
    this.issued = true;
    return this.driver.query<TRow>(sql, params, READ_ONLY).catch((error: unknown) => {
      this.failed = true;
      throw error;
    });
  }

  /** The attempt is over: later statements fail as on a finished transaction. */
  finish(): void {
    this.finished = true;
  }
}

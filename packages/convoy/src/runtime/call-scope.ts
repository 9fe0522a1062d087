import type { Queryable, QueryResult, Row } from "../driver/driver.js";
import { DatabaseError } from "../errors/database-error.js";
import { AccessLog } from "../storage/access-log.js";

/** Whether an error is a serialization failure or deadlock (SQLSTATE 40001 / 40P01). */
export function isRetryableError(error: unknown): error is DatabaseError {
  return error instanceof DatabaseError && error.isRetryable;
}

/**
 * One attempt of one top-level call: the transaction, the access log shared by nested calls,
 * and what must fail the attempt even if user code swallowed it.
 */
export class CallScope {
  /** The transaction as ctx.db uses it: records retryable failures on the way through. */
  readonly tx: Queryable;
  /** Reads and writes of the call and of its nested calls. */
  readonly log = new AccessLog();
  /**
   * An error that dooms this attempt: a serialization failure or deadlock (retry the whole
   * call) or a failed savepoint rollback. Set even when user code catches the error, so the
   * attempt never commits after it.
   */
  poison: Error | undefined = undefined;
  private savepoints = 0;

  constructor(private readonly rawTx: Queryable) {
    this.tx = {
      query: async <TRow extends Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<TRow>> => {
        try {
          return await rawTx.query<TRow>(sql, params);
        } catch (error) {
          if (isRetryableError(error)) this.poison ??= error;
          throw error;
        }
      },
    };
  }

  /**
   * Run `fn` inside a savepoint: released when it resolves; rolled back (and the access log
   * truncated to where it was) when it throws, then the error is rethrown.
   */
  async inSavepoint<T>(fn: () => Promise<T>): Promise<T> {
    const name = `convoy_sp_${++this.savepoints}`;
    await this.tx.query(`SAVEPOINT ${name}`);
    const mark = this.log.mark();
    let value: T;
    try {
      value = await fn();
    } catch (error) {
      // A conflict inside the savepoint dooms the whole attempt, even if the caller catches it.
      if (isRetryableError(error)) this.poison ??= error;
      this.log.truncate(mark);
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

import { FrameworkError } from "../errors/framework-error.js";
import { isDroppedConnectionError } from "../driver/errors.js";
import { isRetryableError } from "./call-scope.js";

/** How conflicting transactions are retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 10). */
  maxAttempts: number;
  /** Upper bound of the first backoff, in ms (default 5); doubles each attempt. */
  baseDelayMs: number;
  /** Cap of any backoff, in ms (default 250). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 250 };

/** "Full jitter" backoff before attempt `attempt + 1`: uniform in [0, min(max, base·2^(attempt-1))]. */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.random() * ceiling;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Run `attempt` until it succeeds, retrying (after a jittered, growing delay) when it fails
 * with a serialization failure or deadlock; after `maxAttempts` such failures, throw
 * `CONFLICT`. With `retryDroppedConnection` (read-only calls), an attempt whose connection
 * turned out dead (terminated backend, server restart) is run again once, at once, on a fresh
 * connection. Any other error is rethrown at once. `attempt` gets the attempt number (from 1).
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  describe: string,
  attempt: (attemptNumber: number) => Promise<T>,
  options: { retryDroppedConnection?: boolean } = {},
): Promise<T> {
  let droppedConnectionRetried = options.retryDroppedConnection !== true;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (!droppedConnectionRetried && isDroppedConnectionError(error)) {
        droppedConnectionRetried = true;
        // One turn of the event loop lets the pool see its other dead connections close first.
        await sleep(0);
        continue;
      }
      if (!isRetryableError(error)) throw error;
      if (attemptNumber >= policy.maxAttempts) {
        throw new FrameworkError(
          "CONFLICT",
          `${describe} still conflicted with concurrent transactions after ${attemptNumber} attempt${attemptNumber === 1 ? "" : "s"} (SQLSTATE ${error.sqlState}); try again`,
          { cause: error },
        );
      }
      await sleep(backoffDelay(policy, attemptNumber));
    }
  }
}

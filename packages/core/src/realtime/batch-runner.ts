import { DatabaseError } from "../errors/database-error.js";
import type { UserIdentity } from "../functions/context.js";
import type { ReadRecord } from "../reactivity/records.js";
import { callContextOf } from "../runtime/call-context.js";
import { cloneValue } from "../runtime/clone-value.js";
import { lookupFunction } from "../runtime/invoke.js";
import type { Runtime } from "../runtime/runtime.js";
import { validateArgs } from "../runtime/validate-call.js";
import type { Value } from "../values/value.js";
import type { QueryOutcome } from "./query-outcome.js";

/** A query to run: its public name and arguments. */
export interface BatchQuery {
  name: string;
  args: Record<string, Value>;
  /** Its last run failed: run it in a transaction at once (a failed single statement tells no read set). */
  failed?: boolean;
}

/** A run's outcome and what it read (`reads: null`: the run failed before reading anything reliable). */
export interface BatchResult {
  outcome: QueryOutcome;
  reads: ReadRecord[] | null;
}

/**
 * Run live queries of one identity at ONE snapshot: one `REPEATABLE READ READ ONLY`
 * transaction, each query through `ctx.runQuery`, its reads cut out of the shared recorder.
 * A failure of the transaction itself (a database error dooms the rest) runs each query alone.
 */
export async function runBatch(runtime: Runtime, identity: UserIdentity | null, queries: readonly BatchQuery[]): Promise<BatchResult[]> {
  if (queries.length === 1 && queries[0]!.failed !== true) {
    // One query alone is one snapshot anyway: the runtime's single-statement path (one round
    // trip for a get/take/collect/paginate) instead of BEGIN … COMMIT.
    const query = queries[0]!;
    try {
      const { value, log } = await runtime.run("query", query.name, query.args, { identity });
      return [{ outcome: { ok: true, value }, reads: log.reads }];
    } catch {
      // An error's read set is needed too (a write may clear it): run it in a transaction (and
      // the next runs too while it keeps failing: one run per invalidation, not two).
    }
  }
  return runInTransaction(runtime, identity, queries);
}

async function runInTransaction(runtime: Runtime, identity: UserIdentity | null, queries: readonly BatchQuery[]): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  try {
    await runtime.runHandler(
      "query",
      async (ctx) => {
        const recorder = callContextOf(ctx).recorder;
        results.length = 0;
        for (const query of queries) {
          const mark = recorder.reads.length;
          try {
            const entry = lookupFunction(runtime.registry, "query", query.name, false);
            validateArgs(entry.fn, query.args);
            const value = await ctx.runQuery(query.name as never, cloneValue(query.args) as never);
            results.push({ outcome: { ok: true, value: value as Value }, reads: recorder.reads.slice(mark) });
          } catch (error) {
            // A database error aborts the transaction: the later queries must not run in it.
            if (error instanceof DatabaseError) throw error;
            results.push({ outcome: { ok: false, error }, reads: recorder.reads.slice(mark) });
          }
        }
      },
      // Not administrative: the user's table rules apply to every query of the batch.
      { identity, administrative: false },
    );
    return results;
  } catch (error) {
    if (queries.length === 1) return [{ outcome: { ok: false, error }, reads: null }];
    const alone: BatchResult[] = [];
    for (const query of queries) alone.push(...(await runInTransaction(runtime, identity, [query])));
    return alone;
  }
}

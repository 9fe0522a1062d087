import type { Queryable } from "../driver/driver.js";
import { FrameworkError } from "../errors/framework-error.js";
import { getFunctionName, type AnyFunctionReference } from "../functions/function-reference.js";
import type { FunctionRegistry } from "../functions/registry.js";
import type { Scheduler, ScheduledFunctionId } from "../functions/scheduler-types.js";
import { validateArgs } from "../runtime/validate-call.js";
import { isIdOfTable } from "../storage/ids.js";
import { encodeValue } from "../values/encoding.js";
import { cancelJob, insertJob, SCHEDULED_FUNCTIONS } from "./job-store.js";
import type { SchedulerSignals } from "./scheduler-signals.js";

/** What a `ctx.scheduler` writes through and tells. */
export interface SchedulerTarget {
  /** Where jobs are inserted: the mutation's transaction, or the driver (actions). */
  q: Queryable;
  registry: FunctionRegistry;
  signals: SchedulerSignals;
  /** Runs `fn` once the jobs are durable (a mutation: after its commit; an action: at once). */
  afterCommit(fn: () => void): void;
}

function checkTime(what: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new FrameworkError("INTERNAL", `ctx.scheduler.${what} must be a finite number, got ${String(value)}`);
  return value;
}

/**
 * `ctx.scheduler` over `target`: checks at once that the function exists, is a mutation or an
 * action and accepts the arguments (so a mistake fails the scheduling call, not the job).
 */
export function createScheduler(target: SchedulerTarget): Scheduler {
  // `now` is read once per call, so a job's `scheduledTime - _creationTime` is exactly its delay.
  const schedule = async (now: number, scheduledTime: number, reference: AnyFunctionReference, args: unknown): Promise<ScheduledFunctionId> => {
    const name = getFunctionName(reference);
    const entry = target.registry.get(name);
    if (entry === undefined || entry.kind === "query") {
      throw new FrameworkError("NOT_FOUND", `ctx.scheduler: no mutation or action named ${JSON.stringify(name)}${entry === undefined ? "" : " (it is a query)"}`);
    }
    const validArgs = validateArgs(entry.fn, args);
    const id = await insertJob(target.q, { name: entry.name, kind: entry.kind, args: encodeValue(validArgs), scheduledTime, now });
    target.afterCommit(() => target.signals.notify(scheduledTime));
    return id;
  };
  return Object.freeze({
    runAfter(delayMs: number, reference: AnyFunctionReference, args?: unknown) {
      const delay = checkTime("runAfter(delayMs)", delayMs);
      if (delay < 0) return Promise.reject(new FrameworkError("INTERNAL", "ctx.scheduler.runAfter: the delay must not be negative"));
      const now = target.signals.now();
      return schedule(now, now + delay, reference, args);
    },
    runAt(timestamp: number | Date, reference: AnyFunctionReference, args?: unknown) {
      const time = checkTime("runAt(timestamp)", timestamp instanceof Date ? timestamp.getTime() : timestamp);
      return schedule(target.signals.now(), time, reference, args);
    },
    async cancel(id: ScheduledFunctionId) {
      if (typeof id !== "string" || !isIdOfTable(id, SCHEDULED_FUNCTIONS)) throw new FrameworkError("INTERNAL", `ctx.scheduler.cancel: ${JSON.stringify(id)} is not the id of a scheduled function`);
      await cancelJob(target.q, id, target.signals.now());
    },
  }) as Scheduler;
}

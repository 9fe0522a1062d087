import type { GenericId } from "../values/value.js";
import type { FunctionReference, FunctionVisibility, OptionalRestArgs } from "./function-reference.js";

/** What the scheduler can run: mutations and actions, public or internal. */
export type SchedulableFunctionReference = FunctionReference<"mutation" | "action", FunctionVisibility>;

/** The id of a scheduled function (a document of the `_scheduled_functions` system table). */
export type ScheduledFunctionId = GenericId<"_scheduled_functions">;

/** Where a scheduled function is in its life (Convex's `state`). */
export type ScheduledFunctionState =
  | { kind: "pending" }
  | { kind: "inProgress" }
  | { kind: "success" }
  | { kind: "failed"; error: string }
  | { kind: "canceled" };

/**
 * A document of `_scheduled_functions`, with Convex's fields: `args` is the one-element array
 * `[args]`, times are ms since the epoch.
 */
export interface ScheduledFunction {
  readonly _id: ScheduledFunctionId;
  readonly _creationTime: number;
  /** The function's name, `"module:export"`. */
  readonly name: string;
  readonly args: [Record<string, unknown>];
  readonly scheduledTime: number;
  readonly completedTime?: number;
  readonly state: ScheduledFunctionState;
}

/**
 * `ctx.scheduler` in mutations and actions. From a mutation, a job is created only if the
 * mutation commits; a scheduled mutation runs exactly once, a scheduled action at most once.
 * Scheduled functions run without the scheduler's identity (`ctx.auth` is anonymous) and table
 * rules do not apply to them (they are server-side code).
 *
 * @example
 * await ctx.scheduler.runAfter(5_000, internal.messages.welcome, { channel: "general" });
 */
export interface Scheduler {
  /** Run `reference` with `args` once `delayMs` has passed (0: as soon as possible after the commit). */
  runAfter<TReference extends SchedulableFunctionReference>(
    delayMs: number,
    reference: TReference,
    ...args: OptionalRestArgs<TReference>
  ): Promise<ScheduledFunctionId>;
  /** Run `reference` with `args` at `timestamp` (a `Date` or ms since the epoch; in the past: at once). */
  runAt<TReference extends SchedulableFunctionReference>(
    timestamp: number | Date,
    reference: TReference,
    ...args: OptionalRestArgs<TReference>
  ): Promise<ScheduledFunctionId>;
  /** Cancel a pending job (a job already running or finished is left as it is). */
  cancel(id: ScheduledFunctionId): Promise<void>;
}

/** A query over a system table: Convex's `ctx.db.system.query(...)`, in creation order. */
export interface SystemQuery<TDocument> extends AsyncIterable<TDocument> {
  /** Order by creation time (default `"asc"`). */
  order(order: "asc" | "desc"): SystemQuery<TDocument>;
  /** Keep only documents for which `predicate` holds (evaluated in JavaScript). */
  filter(predicate: (document: TDocument) => boolean): SystemQuery<TDocument>;
  collect(): Promise<TDocument[]>;
  take(n: number): Promise<TDocument[]>;
  first(): Promise<TDocument | null>;
  /** The only document, `null` when none; throws when there are several. */
  unique(): Promise<TDocument | null>;
}

/** `ctx.db.system`: read-only access to Convoy's system tables (`_scheduled_functions`). */
export interface SystemDatabaseReader {
  get(id: ScheduledFunctionId): Promise<ScheduledFunction | null>;
  query(table: "_scheduled_functions"): SystemQuery<ScheduledFunction>;
}

import { TableLookups } from "../storage/dynamic-tables.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { UserIdentity } from "../functions/context.js";
import { DEFAULT_READ_LIMITS } from "../db/read-budget.js";
import { AccessLog } from "../storage/access-log.js";
import type { TransactionDeadline } from "../driver/driver.js";

/** Bounds on the work of one call (see `RuntimeOptions.limits`). */
export interface CallLimits {
  /** Wall-clock budget of a call, retries included, in ms; past it the call fails with `TIMEOUT`. */
  timeoutMs: number;
  /** Upper bound of any one statement's `statement_timeout`, in ms (also bounded by the time left). */
  statementTimeoutMs: number;
  /** Largest page `paginate` returns: a larger `numItems` is clamped to it. */
  maxPageSize: number;
  /** Documents `ctx.db` may return in one call, nested calls included; past it: `LIMIT_EXCEEDED`. */
  maxDocumentsRead: number;
  /** Bytes of stored JSON those documents may hold; past it: `LIMIT_EXCEEDED`. */
  maxBytesRead: number;
  /** Wall-clock budget of an action (its nested calls each have `timeoutMs`), in ms; past it: `TIMEOUT`. */
  actionTimeoutMs: number;
}

/**
 * Defaults of {@link CallLimits}: 30 s per call and per statement, pages of at most 1024
 * documents, Convex's read limits: 32 000 documents and 16 MiB per call, and 10 minutes per action.
 */
export const DEFAULT_CALL_LIMITS: Readonly<CallLimits> = Object.freeze({
  timeoutMs: 30_000,
  statementTimeoutMs: 30_000,
  maxPageSize: 1024,
  maxDocumentsRead: DEFAULT_READ_LIMITS.maxDocumentsRead,
  maxBytesRead: DEFAULT_READ_LIMITS.maxBytesRead,
  actionTimeoutMs: 600_000,
});

/** Check user-supplied limits and fill in the defaults. Throws `INTERNAL` for a malformed value. */
export function resolveCallLimits(limits: Partial<CallLimits> | undefined): CallLimits {
  const resolved = { ...DEFAULT_CALL_LIMITS, ...limits };
  for (const key of Object.keys(DEFAULT_CALL_LIMITS) as (keyof CallLimits)[]) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value < 1) throw new FrameworkError("INTERNAL", `limits.${key} must be a positive integer, got ${String(value)}`);
  }
  return resolved;
}

/** A callback run once after the call's transaction committed (never after a rollback or a retried attempt). */
export type AfterCommitHook = () => void | Promise<void>;

/**
 * Everything one top-level call carries, from the transport to `ctx.db`: who is calling, when
 * the call must end, its limits, what it read and wrote (the recorder) and what to do after it
 * commits. Nested `runQuery`/`runMutation` calls share their caller's context.
 *
 * The recorder and the after-commit hooks belong to the current attempt: a retried attempt
 * starts with empty ones, and a rolled-back savepoint drops what it added.
 *
 * @example
 * context.afterCommit(() => publish(context.recorder.writes));
 */
export class CallContext implements TransactionDeadline {
  private currentRecorder = new AccessLog();
  private lookups: TableLookups | undefined;
  private hooks: AfterCommitHook[] = [];
  /** What this call learnt about tables outside a non-strict schema, across its attempts (made on first use: strict schemas never ask). */
  get tableLookups(): TableLookups {
    return (this.lookups ??= new TableLookups());
  }
  /** An administrative call (`t.run`, `convoy run` without `--identity`): table rules do not apply, nested calls included. */
  readonly administrative: boolean;
  // The signal is made only when asked for (transactions race the context itself): most calls never make one.
  private controller: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The `TIMEOUT` error, once the deadline has passed. */
  private expired: FrameworkError | undefined;
  /** Rejecters of {@link untilExpired} promises. */
  private waiters: ((error: FrameworkError) => void)[] | undefined;

  constructor(
    /** The caller's identity (filled by authentication, M3), `null` when anonymous. */
    readonly identity: UserIdentity | null,
    readonly limits: CallLimits,
    /** `Date.now()` at which the call fails with `TIMEOUT`. */
    readonly deadline: number,
    /** Names the call in its errors, e.g. `query "messages:list"`. */
    readonly describe: string,
    options: { administrative?: boolean } = {},
  ) {
    this.administrative = options.administrative === true;
    const delay = Math.max(0, deadline - Date.now());
    this.timer = setTimeout(expireContext, delay, this);
  }

  /** @internal */
  expire(): void {
    this.timer = undefined;
    const error = new FrameworkError("TIMEOUT", `${this.describe} did not finish within its deadline of ${this.limits.timeoutMs} ms`);
    this.expired = error;
    this.controller?.abort(error);
    const waiters = this.waiters;
    this.waiters = undefined;
    if (waiters !== undefined) for (const reject of waiters) reject(error);
  }

  /** The `TIMEOUT` error once the deadline has passed, else `undefined`. */
  get expiredError(): FrameworkError | undefined {
    return this.expired;
  }

  /** Aborted when the deadline passes; its `reason` is the `TIMEOUT` error. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.expired !== undefined) this.controller.abort(this.expired);
    }
    return this.controller.signal;
  }

  /**
   * `promise`, or a rejection with the `TIMEOUT` error as soon as the deadline passes, whichever
   * comes first (what racing `this.signal` does, without an `AbortSignal`).
   */
  untilExpired<T>(promise: Promise<T>): Promise<T> {
    if (this.expired !== undefined) return Promise.reject(this.expired);
    return new Promise<T>((resolve, reject) => {
      (this.waiters ??= []).push(reject);
      // Settling after the other side won is a no-op; finish() drops the rejecters.
      promise.then(resolve, reject);
    });
  }

  /** A context whose deadline is `limits.timeoutMs` from now. */
  static start(identity: UserIdentity | null, limits: CallLimits, describe: string, options: { administrative?: boolean } = {}): CallContext {
    return new CallContext(identity, limits, Date.now() + limits.timeoutMs, describe, options);
  }

  /** Reads and writes of the current attempt (nested calls included). */
  get recorder(): AccessLog {
    return this.currentRecorder;
  }

  /** Register a callback to run once after the call commits (mutations: after `COMMIT`; queries: after they answer). */
  afterCommit(hook: AfterCommitHook): void {
    this.hooks.push(hook);
  }

  /** Milliseconds left before the deadline (0 when past it). */
  remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  /** The `statement_timeout` a statement started now gets: the limit, bounded by the time left (at least 1 ms). */
  statementTimeoutMs(): number {
    return Math.max(1, Math.min(this.limits.statementTimeoutMs, Math.ceil(this.remainingMs())));
  }

  /** Throws the `TIMEOUT` error once the deadline has passed. */
  throwIfExpired(): void {
    if (this.expired !== undefined) throw this.expired;
  }

  /** Start an attempt: a fresh recorder, no hooks. @internal */
  beginAttempt(): AccessLog {
    this.currentRecorder = new AccessLog();
    this.hooks = [];
    return this.currentRecorder;
  }

  /** A position to {@link truncate} back to (a savepoint). @internal */
  mark(): { reads: number; writes: number; hooks: number } {
    return { ...this.currentRecorder.mark(), hooks: this.hooks.length };
  }

  /** Drop what was recorded and registered after `mark` (a rolled-back savepoint). @internal */
  truncate(mark: { reads: number; writes: number; hooks: number }): void {
    this.currentRecorder.truncate(mark);
    this.hooks.length = mark.hooks;
  }

  /** Whether {@link runAfterCommit} has anything to run. @internal */
  get hasAfterCommitHooks(): boolean {
    return this.hooks.length > 0;
  }

  /**
   * Run the hooks of the committed attempt, once, in order. A failing hook cannot undo the
   * commit: its error goes to `onError` and the others still run. @internal
   */
  async runAfterCommit(onError: (error: unknown) => void): Promise<void> {
    const hooks = this.hooks;
    this.hooks = [];
    for (const hook of hooks) {
      try {
        await hook();
      } catch (error) {
        onError(error);
      }
    }
  }

  /** The call is over: stop the deadline timer. @internal */
  finish(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiters = undefined;
  }
}

function expireContext(context: CallContext): void {
  context.expire();
}

/** Each `ctx`'s call (a side table: defining a hidden property on every call's `ctx` is slower). */
const callContexts = new WeakMap<object, CallContext>();

/** Attach a call's context to a `ctx` object (invisible on the object). @internal */
export function attachCallContext<TCtx extends object>(ctx: TCtx, context: CallContext): TCtx {
  callContexts.set(ctx, context);
  return ctx;
}

/**
 * The context of the call a `ctx` belongs to (server-side code: the realtime engine registers
 * its after-commit publication here). Throws `INTERNAL` for an object that is no `ctx`.
 *
 * @example
 * callContextOf(ctx).afterCommit(() => publish(callContextOf(ctx).recorder.writes));
 */
export function callContextOf(ctx: object): CallContext {
  const context = callContexts.get(ctx);
  if (context === undefined) throw new FrameworkError("INTERNAL", "callContextOf: not the ctx of a Convoy call");
  return context;
}

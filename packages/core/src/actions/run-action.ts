import type { Driver } from "../driver/driver.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { Auth, GenericActionCtx, UserIdentity } from "../functions/context.js";
import type { AnyFunctionReference, FunctionType } from "../functions/function-reference.js";
import type { RegistryEntry } from "../functions/registry.js";
import type { GenericDataModel } from "../schema/data-model.js";
import { createScheduler } from "../scheduler/create-scheduler.js";
import type { SchedulerSignals } from "../scheduler/scheduler-signals.js";
import type { FunctionRegistry } from "../functions/registry.js";
import { validateArgs, validateReturns } from "../runtime/validate-call.js";
import type { Value } from "../values/value.js";

/** What an action needs from the runtime that runs it. */
export interface ActionHost {
  readonly registry: FunctionRegistry;
  readonly driver: Driver;
  readonly signals: SchedulerSignals;
  /** Run a query or mutation (each its own transaction) or another action. */
  run(
    kind: FunctionType,
    reference: string | AnyFunctionReference,
    args: unknown,
    options: { allowInternal: boolean; identity: UserIdentity | null; administrative: boolean },
  ): Promise<{ value: Value }>;
}

/** One action call: who calls, and its deadline. */
export interface ActionCall {
  identity: UserIdentity | null;
  administrative: boolean;
  /** Wall-clock budget in ms (`limits.actionTimeoutMs`). */
  timeoutMs: number;
}

/** The untyped action ctx. */
export type AnyActionCtx = GenericActionCtx<GenericDataModel>;

/**
 * An action's ctx and its deadline: `runQuery`/`runMutation`/`runAction` go through the
 * runtime (each its own transaction, with the call's identity; `auth` asks `identity` when it
 * is a function, e.g. a bearer token verified lazily), a scheduler that inserts jobs at once.
 * `run(fn)` runs `fn` within `timeoutMs`: past it, it fails with `TIMEOUT` and the ctx refuses
 * further calls (the handler's own code cannot be stopped: JavaScript has no way to).
 */
export function createActionCtx(
  host: ActionHost,
  call: Omit<ActionCall, "identity"> & { identity: UserIdentity | null | (() => Promise<UserIdentity | null>) },
  describe: string,
): { ctx: AnyActionCtx; run: <T>(fn: () => Promise<T> | T) => Promise<T> } {
  let expired: FrameworkError | undefined;
  const guard = (): void => {
    if (expired !== undefined) throw expired;
  };
  const identityOf = typeof call.identity === "function" ? call.identity : ((identity) => () => Promise.resolve(identity))(call.identity);
  const nested = (kind: FunctionType) => async (reference: AnyFunctionReference, nestedArgs?: unknown): Promise<Value> => {
    guard();
    const identity = await identityOf();
    const { value } = await host.run(kind, reference, nestedArgs ?? {}, { allowInternal: true, identity, administrative: call.administrative });
    return value;
  };
  const auth: Auth = Object.freeze({ getUserIdentity: () => identityOf() });
  const scheduler = createScheduler({
    q: { query: (sql, params) => (guard(), host.driver.query(sql, params)) },
    registry: host.registry,
    signals: host.signals,
    afterCommit: (fn) => fn(),
  });
  const ctx = { auth, runQuery: nested("query"), runMutation: nested("mutation"), runAction: nested("action"), scheduler } as unknown as AnyActionCtx;
  return {
    ctx,
    run: async <T>(fn: () => Promise<T> | T): Promise<T> => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          expired = new FrameworkError("TIMEOUT", `${describe} did not finish within its deadline of ${call.timeoutMs} ms`);
          reject(expired);
        }, call.timeoutMs);
      });
      try {
        return await Promise.race([Promise.resolve().then(fn), deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Run an action's handler outside any transaction (see {@link createActionCtx}): validated
 * arguments, a validated result. Never retried.
 */
export async function runAction(host: ActionHost, entry: RegistryEntry, args: unknown, call: ActionCall): Promise<Value> {
  const validArgs = validateArgs(entry.fn, args);
  const { ctx, run } = createActionCtx(host, call, `action ${JSON.stringify(entry.name)}`);
  const result: unknown = await run(() => entry.fn.handler(ctx, validArgs));
  return validateReturns(entry.fn, result);
}

/**
 * The runtime: runs functions by name, each call in one transaction (mutations
 * `SERIALIZABLE` with bounded, jittered retries; queries on one read-only snapshot: a single
 * statement alone, else a `REPEATABLE READ READ ONLY` transaction), with
 * validated arguments and results, `ctx.runQuery`/`ctx.runMutation` in the same transaction,
 * and a per-call access log. No HTTP here: the router calls {@link createRuntime}'s `run`.
 *
 * ```ts
 * const runtime = await createRuntime({ driver, schema, registry: await createRegistry(modules) });
 * const { value, log } = await runtime.run("mutation", "messages:send", { author: "ada", body: "hi" });
 * log.tablesWritten(); // Set { "messages" }
 * runtime.onCall(({ name, durationMs, ok, errorCode }) => console.log(name, durationMs, ok ? "ok" : errorCode));
 * ```
 */
export {
  createRuntime,
  type CallEvent,
  type CallListener,
  type CommitEvent,
  type CommitListener,
  type HandlerRunOptions,
  type RunOptions,
  type RunResult,
  type Runtime,
  type RuntimeOptions,
} from "./runtime.js";
export { DEFAULT_RETRY_POLICY, backoffDelay, withRetries, type RetryPolicy } from "./retry.js";
export { validateArgs, validateReturns } from "./validate-call.js";
export { isRetryableError } from "./call-scope.js";
export { CallContext, DEFAULT_CALL_LIMITS, callContextOf, type AfterCommitHook, type CallLimits } from "./call-context.js";
export type { AnyMutationCtx, AnyQueryCtx } from "./invoke.js";

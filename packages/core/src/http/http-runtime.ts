import type { Queryable } from "../driver/driver.js";
import type { UserIdentity } from "../functions/context.js";
import type { FunctionType } from "../functions/function-reference.js";
import type { Value } from "../values/value.js";

/** What a call read and wrote, by table (the runtime's access log has this shape). */
export interface CallTables {
  tablesRead(): ReadonlySet<string>;
  tablesWritten(): ReadonlySet<string>;
}

/** Options of one call through {@link HttpRuntime.run}. */
export interface HttpRunOptions {
  /** Whether internal functions may be called. The HTTP layer always passes `false`. */
  allowInternal: boolean;
  /** The caller's identity, from the request's token (M3); `null` when anonymous. */
  identity?: UserIdentity | null;
}

/**
 * The part of the runtime the HTTP layer needs (the runtime of `createRuntime` fits): run a
 * function by name, and reach the database for the health check. `run` throws a
 * `FrameworkError` (`NOT_FOUND` for an unknown, internal or wrong-kind function,
 * `ARGS_INVALID`, `CONFLICT`, `UNAVAILABLE`, …) or a `ConvoyError`.
 *
 * @example
 * const runtime = await createRuntime({ driver, schema, registry });
 * createServer({ runtime }); // health runs `SELECT 1` on runtime.driver
 */
export interface HttpRuntime {
  run(kind: FunctionType, name: string, args: Record<string, Value>, options: HttpRunOptions): Promise<{ value: Value; log?: CallTables }>;
  /** Resolves when the database answers, rejects otherwise. When absent, `driver` runs `SELECT 1`. */
  health?(): Promise<void>;
  /** The database, for the health check when there is no `health()`: its own `health()`, else `SELECT 1`. */
  readonly driver?: Queryable & { health?(): Promise<void> };
}

/** The health check of a runtime: its `health()`, else its driver's `health()`, else `SELECT 1` on its driver. */
export function healthCheckOf(runtime: HttpRuntime): () => Promise<void> {
  if (typeof runtime.health === "function") return () => runtime.health!();
  const driver = runtime.driver;
  if (driver === undefined) return () => Promise.reject(new Error("the runtime has neither health() nor a driver"));
  if (typeof driver.health === "function") return () => driver.health!();
  return async () => {
    await driver.query("SELECT 1");
  };
}

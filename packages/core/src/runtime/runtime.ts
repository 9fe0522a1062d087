import type { Driver, Queryable, TransactionOptions } from "../driver/driver.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { ErrorCode } from "../errors/error-codes.js";
import type { UserIdentity } from "../functions/context.js";
import { getFunctionName, type AnyFunctionReference, type FunctionType } from "../functions/function-reference.js";
import type { FunctionRegistry, RegistryEntry } from "../functions/registry.js";
import type { SchemaDefinition } from "../schema/schema-definition.js";
import { AccessLog, type WriteRecord } from "../storage/access-log.js";
import type { Catalog } from "../storage/catalog.js";
import { ensureSchema } from "../schema-sync/ensure-schema.js";
import { DEFAULT_PG_SCHEMA } from "../storage/layout.js";
import { loadCatalog } from "../storage/load-catalog.js";
import { TableLookup, loadDynamicTables, type TableLookups } from "../storage/dynamic-tables.js";
import { createDynamicTable } from "../schema-sync/dynamic-table.js";
import { requireStorage } from "../storage/storage-check.js";
import { isConvoyError } from "../values/convoy-error.js";
import type { Value } from "../values/value.js";
import { CallContext, resolveCallLimits, type CallLimits } from "./call-context.js";
import { CallScope, SingleStatement } from "./call-scope.js";
import { cloneValue } from "./clone-value.js";
import { ConflictGate } from "./conflict-gate.js";
import { createMutationCtx, createQueryCtx, invokeFunction, lookupFunction, type AnyMutationCtx, type AnyQueryCtx, type Engine } from "./invoke.js";
import { resolveCursorKeys } from "./cursor-key-config.js";
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from "./retry.js";
import { attributeToArgs } from "./attribute-to-args.js";
import { validateArgs } from "./validate-call.js";
import type { RulesDefinition } from "../rules/rules-definition.js";
import { RulesEngine } from "../rules/rules-engine.js";
import { runAction } from "../actions/run-action.js";
import { SchedulerSignals } from "../scheduler/scheduler-signals.js";

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  driver: Driver;
  schema: SchemaDefinition;
  registry: FunctionRegistry;
  /** The Postgres schema of the app's tables (default `public`). */
  pgSchema?: string;
  /**
   * Apply the schema to the database before serving, through `convoy sync`'s code path
   * (`convoyTest` opts in; `convoy dev` applies it itself to print the steps). Default off: the
   * runtime runs no DDL, and refuses to start when the database lacks Convoy's bookkeeping or
   * a table or index of the schema (run `convoy sync` first). On Postgres pass
   * `{ databaseUrl }`: the sync runs on its own connection.
   */
  ensureStorage?: boolean | { databaseUrl?: string | undefined };
  /** Attempts per mutation when it conflicts (default 10), then `CONFLICT`. */
  maxAttempts?: number;
  /** Backoff between attempts: first ceiling and cap in ms (defaults 5 and 250). */
  retryDelay?: { baseMs?: number; maxMs?: number };
  /** Called after every top-level call (see {@link Runtime.onCall}). */
  onCall?: CallListener;
  /** Called after every committed mutation (see {@link Runtime.onCommit}). */
  onCommit?: CommitListener;
  /**
   * Bounds of every call: `timeoutMs` (default 30 000: past it the call fails with `TIMEOUT`
   * and its transaction is rolled back), `statementTimeoutMs` (default 30 000, each statement's
   * `statement_timeout`, also bounded by the time left), `maxPageSize` (default 1024: larger
   * `paginate` pages are clamped), `maxDocumentsRead` and `maxBytesRead` (defaults 32 000 and
   * 16 MiB: past them a read throws `LIMIT_EXCEEDED`; see docs/limits.md).
   */
  limits?: Partial<CallLimits>;
  /** Where errors of after-commit hooks go (they cannot undo the commit). Default: `console.error`. */
  onAfterCommitError?: (error: unknown) => void;
  /**
   * Secrets that sign pagination cursors: the first signs, every one verifies, so a key can be
   * rotated without breaking cursors in flight (new first, old kept a while). Default: the
   * secrets of `CONVOY_CURSOR_SECRET` (`new[,old…]`), else the secret stored in the database.
   */
  cursorKeys?: readonly string[];
  /**
   * The app's table rules (the default export of `convoy/rules.ts`, SPEC §10), enforced by
   * `ctx.db` on every call that is not administrative. Omitted: no rules, no rule work.
   */
  rules?: RulesDefinition | undefined;
  /**
   * Set when the caller publishes this runtime's commits to every server itself (from
   * `onCommit`, see realtime/pubsub): mutations set `convoy.origin` (transaction-local) to this
   * value, so the triggers that publish writes made by other SQL clients skip them. Without it
   * the runtime's writes are published by those triggers like any other client's: correct, but
   * each mutation then runs the trigger's plpgsql and a `NOTIFY`, whose commit-time lock
   * serializes commits (an insert ran at half the throughput in `npm run bench -- runner`).
   */
  origin?: string;
  /** The scheduler's clock, ms since the epoch (default `Date.now`; `convoyTest` moves its own). */
  now?: () => number;
}

/** Options of one call. */
export interface RunOptions {
  /** Allow internal functions (tests, the CLI, server-side code); never for HTTP callers. */
  allowInternal?: boolean;
  /** Who is calling: what `ctx.auth.getUserIdentity()` returns, in nested calls too (default `null`). */
  identity?: UserIdentity | null;
  /**
   * An administrative call: table rules do not apply (`convoy run` without `--identity`,
   * server-side maintenance). Never for HTTP callers. Default `false`: rules apply, with or
   * without an identity.
   */
  administrative?: boolean;
  /**
   * Runs inside a mutation's transaction around the function; may answer without running it.
   * The sync socket stores request ids with it, so a duplicate request is never applied twice.
   * @internal
   */
  around?: (tx: Queryable, invoke: () => Promise<Value>) => Promise<Value>;
}

/** What a {@link CommitListener} hears: the writes of one committed top-level mutation (nested calls included). */
export interface CommitEvent {
  writes: readonly WriteRecord[];
}

/**
 * Hears every committed mutation, from its after-commit hook (awaited before the call answers;
 * the realtime engine publishes write sets with it). Must not throw.
 */
export type CommitListener = (event: CommitEvent) => void;

/** A call's result and what it read and wrote (nested calls included). */
export interface RunResult<TValue = Value> {
  value: TValue;
  /** Reads and writes of the successful attempt: tables read/written, index ranges, ids. */
  log: AccessLog;
  /** How many attempts the call took (more than 1 after conflicts). */
  attempts: number;
}

/** What a {@link CallListener} hears about each top-level call. */
export interface CallEvent {
  kind: FunctionType;
  /** The function's name, or `"<handler>"` for {@link Runtime.runHandler}. */
  name: string;
  /** Wall-clock time from the call to its result, retries included, in ms. */
  durationMs: number;
  ok: boolean;
  /** The error's code when `ok` is false (`APPLICATION_ERROR` for a `ConvoyError`, `INTERNAL` for anything unknown). */
  errorCode?: ErrorCode;
  error?: unknown;
  attempts: number;
}

/** Listens to calls (e.g. `convoy dev` logs each one with its duration). Must not throw. */
export type CallListener = (event: CallEvent) => void;

/**
 * Runs functions by name against a database: each call in one transaction, with validated
 * arguments and result. Knows nothing of HTTP.
 *
 * @example
 * const runtime = await createRuntime({ driver, schema, registry });
 * const { value } = await runtime.run("mutation", "messages:send", { author: "ada", body: "hi" });
 */
export interface Runtime {
  readonly driver: Driver;
  readonly catalog: Catalog;
  /** The functions being served. */
  readonly registry: FunctionRegistry;
  /** Swap the functions atomically (the dev loop's hot reload); calls in flight finish on the old ones. */
  setRegistry(registry: FunctionRegistry): void;
  /** Swap the table rules (the dev loop's hot reload; `undefined`: no rules). Throws `INTERNAL` for rules naming unknown tables. */
  setRules(rules: RulesDefinition | undefined): void;
  /**
   * Run the `kind` function named `name` (or referenced by `name`) with `args` (JS values,
   * already decoded from the wire). A mutation runs in one `SERIALIZABLE` transaction, retried
   * on conflicts; a query on one snapshot: its first attempt sends its first statement alone,
   * outside a transaction (one round trip for a `get`, `take`, `paginate` or `count`), and a
   * query that sends a second statement is run again from scratch in a
   * `REPEATABLE READ READ ONLY` transaction (the first attempt's result and log are discarded).
   *
   * Throws `NOT_FOUND` (unknown name, wrong kind, internal without `allowInternal`),
   * `ARGS_INVALID`, `RETURNS_INVALID`, `CONFLICT`, the user's `ConvoyError` as thrown, or
   * whatever else the handler or the database threw.
   */
  run(kind: FunctionType, name: string | AnyFunctionReference, args?: unknown, options?: RunOptions): Promise<RunResult>;
  /**
   * Run an ad-hoc handler with a query or mutation ctx, in a transaction of that kind (what
   * `convoyTest`'s `t.run` uses). Administrative: table rules do not apply. The result is not
   * validated.
   */
  runHandler<TValue>(kind: "query", handler: (ctx: AnyQueryCtx) => Promise<TValue> | TValue, options?: HandlerRunOptions): Promise<RunResult<TValue>>;
  runHandler<TValue>(kind: "mutation", handler: (ctx: AnyMutationCtx) => Promise<TValue> | TValue, options?: HandlerRunOptions): Promise<RunResult<TValue>>;
  /** Listen to every top-level call; returns a function that stops listening. */
  onCall(listener: CallListener): () => void;
  /** The scheduler's clock and the signal sent when a job is created (the scheduler runner listens). */
  readonly scheduling: SchedulerSignals;
  /** The bounds of every call (defaults filled in). */
  readonly limits: CallLimits;
  /** Listen to every committed mutation (its write records); returns a function that stops listening. */
  onCommit(listener: CommitListener): () => void;
}

/** Options of {@link Runtime.runHandler}. */
export interface HandlerRunOptions {
  /** What `ctx.auth.getUserIdentity()` returns (default `null`). */
  identity?: UserIdentity | null;
  /**
   * Default `true`: table rules do not apply. `false`: they apply to the handler's `ctx.db` and
   * nested calls, as for a client's call (the realtime engine's batches of a user's live queries).
   */
  administrative?: boolean;
}

/**
 * After a query's single-statement attempt had to be abandoned (the handler issued a second
 * statement), this many later calls of that function go straight to a transaction.
 */
const SKIP_SINGLE_STATEMENT_AFTER_FALLBACK = 16;

/** Tables outside the schema one call may create or look up (each costs a run of the call). */
const MAX_TABLE_LOOKUPS = 64;

/** After this many conflicts, a mutation's next attempts run alone in this process (see ConflictGate). */
const EXCLUSIVE_AFTER_CONFLICTS = 2;

/** A query has no effects: once more on a fresh connection when its connection died. */
const QUERY_RETRIES = { retryDroppedConnection: true };
const MUTATION_RETRIES = { retryDroppedConnection: false };

/** `query "messages:list"`, made once per kind and name (every call names itself in its errors). */
const callDescriptions: Record<FunctionType, Map<string, string>> = { query: new Map(), mutation: new Map(), action: new Map() };
function describeCall(kind: FunctionType, name: string): string {
  const byName = callDescriptions[kind];
  let text = byName.get(name);
  if (text === undefined) {
    text = `${kind} ${JSON.stringify(name)}`;
    // bounded: names come from the registry, but hot reloads may bring new ones
    if (byName.size >= 10_000) byName.clear();
    byName.set(name, text);
  }
  return text;
}

function errorCodeOf(error: unknown): ErrorCode {
  if (isConvoyError(error)) return "APPLICATION_ERROR";
  if (error instanceof FrameworkError) return error.code;
  return "INTERNAL";
}

function positiveInteger(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new FrameworkError("INTERNAL", `${what} must be a positive integer, got ${String(value)}`);
  return value;
}

/**
 * Start a runtime: checks that the database has what the schema needs (created by
 * `convoy sync`; throws `UNAVAILABLE` naming what is missing otherwise; runs no DDL unless
 * `ensureStorage`), loads the cursor secret and builds the catalog.
 *
 * @example
 * const driver = await createDriver({ databaseUrl: process.env.DATABASE_URL });
 * const runtime = await createRuntime({ driver, schema, registry: await createRegistry(modules) });
 * const { value, log } = await runtime.run("query", "messages:list", {});
 * log.tablesRead(); // Set { "messages" }
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { driver, schema } = options;
  const pgSchema = options.pgSchema ?? DEFAULT_PG_SCHEMA;
  const policy: RetryPolicy = {
    maxAttempts: positiveInteger(options.maxAttempts, DEFAULT_RETRY_POLICY.maxAttempts, "maxAttempts"),
    baseDelayMs: options.retryDelay?.baseMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
    maxDelayMs: options.retryDelay?.maxMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
  };
  const limits = resolveCallLimits(options.limits);
  const onAfterCommitError =
    options.onAfterCommitError ??
    ((error: unknown) => {
      console.error("convoy: an after-commit hook failed", error);
    });
  const ensure = options.ensureStorage ?? false;
  if (ensure !== false) await ensureSchema({ driver, ...(ensure === true ? {} : ensure) }, schema, { pgSchema });
  const catalog = await loadCatalog(driver, schema, pgSchema);
  await requireStorage(driver, catalog);
  const cursorSecret = await resolveCursorKeys(driver, options.cursorKeys);
  // Rules that allow everything (`defineRules({})`) are checked, then cost nothing per call.
  const rulesEngine = (rules: RulesDefinition | undefined) => {
    const created = rules === undefined ? undefined : RulesEngine.create(rules, catalog);
    return created?.allowsEverything === true ? undefined : created;
  };
  const signals = new SchedulerSignals(options.now);
  let engine: Engine = { registry: options.registry, catalog, cursorSecret, rules: rulesEngine(options.rules), signals };
  const gate = new ConflictGate();
  const listeners = new Set<CallListener>();
  if (options.onCall !== undefined) listeners.add(options.onCall);
  const commitListeners = new Set<CommitListener>();
  if (options.onCommit !== undefined) commitListeners.add(options.onCommit);

  function emit(event: CallEvent): void {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's failure must not change the call's outcome.
      }
    }
  }

  /** A query function's single-statement attempts: how many calls still skip them after a fallback. */
  const singleStatementSkips = new WeakMap<object, { skip: number }>();

  /**
   * A query's first attempt without a transaction: its first statement runs alone through
   * `driver.query` (see {@link SingleStatement}). Resolves to `"abandoned"` when the handler
   * issued a second statement and `"failed"` when it caught the failure of its only statement
   * (in a transaction, that failure would have doomed the commit): either way the query must
   * run again in a transaction. Retryable errors are thrown (the call is retried as usual).
   */
  async function singleStatementAttempt<TValue>(
    context: CallContext,
    body: (scope: CallScope, attempt: number) => Promise<TValue>,
  ): Promise<{ value: TValue; log: AccessLog } | "abandoned" | "failed"> {
    const statement = new SingleStatement(driver);
    const scope = new CallScope(statement, context);
    let value: TValue;
    try {
      value = await body(scope, 1);
    } catch (error) {
      statement.finish();
      // A conflict the handler swallowed or wrapped still means: retry (as in a transaction).
      if (scope.poison !== undefined) throw scope.poison;
      if (statement.abandoned) return "abandoned";
      throw error;
    }
    statement.finish();
    if (scope.poison !== undefined) throw scope.poison;
    if (statement.abandoned) return "abandoned";
    if (statement.failed) return "failed";
    return { value, log: scope.log };
  }

  /**
   * One call, retried as a whole on conflicts, within its deadline; runs the after-commit hooks
   * of the committed attempt; reports to the listeners.
   */
  async function call<TValue>(
    kind: FunctionType,
    name: string,
    identity: UserIdentity | null,
    administrative: boolean,
    body: (scope: CallScope, attempt: number) => Promise<TValue>,
    /** For a query that may try {@link singleStatementAttempt} first: its function (the key of its fallback statistics). */
    singleStatementKey?: object,
  ): Promise<RunResult<TValue>> {
    const started = performance.now();
    const describe = describeCall(kind, name);
    const context = CallContext.start(identity, limits, describe, { administrative });
    let attempts = 0;
    if (kind === "mutation" && commitListeners.size > 0) {
      // Registered by every attempt (each starts with no hooks): runs once, for the committed one.
      const publish = (): void => {
        const event: CommitEvent = { writes: context.recorder.writes };
        for (const listener of [...commitListeners]) listener(event);
      };
      const inner = body;
      body = (scope, attempt) => {
        context.afterCommit(publish);
        return inner(scope, attempt);
      };
    }
    try {
      const attemptOnce = async (attempt: number): Promise<{ value: TValue; log: AccessLog }> => {
        context.throwIfExpired();
        attempts = attempt;
        if (attempt === 1 && singleStatementKey !== undefined) {
          let stats = singleStatementSkips.get(singleStatementKey);
          if (stats === undefined || stats.skip === 0) {
            const single = await singleStatementAttempt(context, body);
            if (typeof single === "object") return single;
            if (single === "abandoned") {
              if (stats === undefined) singleStatementSkips.set(singleStatementKey, (stats = { skip: 0 }));
              stats.skip = SKIP_SINGLE_STATEMENT_AFTER_FALLBACK;
            }
          } else {
            stats.skip--;
          }
        }
        const transaction = (): Promise<{ value: TValue; log: AccessLog }> => {
          // The deadline rolls the transaction back (on PGlite, releasing the one connection to
          // the calls queued behind it); every statement is bounded by the time left.
          // One literal, one object shape for every call: the driver reads these options many times.
          const mutation = kind === "mutation";
          const txOptions: TransactionOptions = {
            isolation: mutation ? "serializable" : "repeatable read",
            readOnly: !mutation,
            origin: mutation ? options.origin : undefined,
            deadline: context,
            statementTimeoutMs: context.statementTimeoutMs(),
          };
          return driver.transaction(txOptions, async (tx) => {
            const scope = new CallScope(tx, context);
            let value: TValue;
            try {
              value = await body(scope, attempt);
            } catch (error) {
              // A conflict the handler swallowed (or wrapped) still dooms the attempt: retry it.
              throw scope.poison ?? error;
            }
            if (scope.poison !== undefined) throw scope.poison;
            return { value, log: scope.log };
          });
        };
        // Queries run on a read-only snapshot and never conflict: they skip the gate.
        return kind === "mutation" ? gate.run(attempt > EXCLUSIVE_AFTER_CONFLICTS, transaction) : transaction();
      };
      const retried = withRetries(policy, describe, async (attempt) => {
        for (;;) {
          try {
            return await attemptOnce(attempt);
          } catch (error) {
            // ctx.db met a table outside a non-strict schema: answer outside the transaction, run again
            if (!(error instanceof TableLookup)) throw error;
            await answerLookup(error, context.tableLookups);
          }
        }
      }, kind === "query" ? QUERY_RETRIES : MUTATION_RETRIES);
      const result = await context.untilExpired(retried);
      context.finish();
      if (context.hasAfterCommitHooks) await context.runAfterCommit(onAfterCommitError);
      if (listeners.size > 0) emit({ kind, name, durationMs: performance.now() - started, ok: true, attempts });
      return { value: result.value, log: result.log, attempts };
    } catch (error) {
      emit({ kind, name, durationMs: performance.now() - started, ok: false, errorCode: errorCodeOf(error), error, attempts });
      throw error;
    } finally {
      context.finish();
    }
  }

  /**
   * Answers a {@link TableLookup} of a call: creates the table (its own short transaction; safe
   * under concurrent first inserts), or reloads the tables the database has (another server or
   * an import may have made it) and, for a table still missing, lets it read as empty.
   */
  async function answerLookup(lookup: TableLookup, state: TableLookups): Promise<void> {
    if (++state.count > MAX_TABLE_LOOKUPS) throw new FrameworkError("INTERNAL", `more than ${String(MAX_TABLE_LOOKUPS)} tables outside the schema looked up in one call`);
    if (lookup.request === "create") {
      await createDynamicTable(driver, catalog, lookup.table);
      return;
    }
    await loadDynamicTables(driver, catalog);
    if (lookup.request === "reload") state.reloaded = true;
    else if (!catalog.tables.has(lookup.table)) state.absent.add(lookup.table);
  }

  /** An action: outside any transaction, never retried (see actions/run-action.ts). */
  async function action(entry: RegistryEntry, args: unknown, runOptions: RunOptions): Promise<RunResult> {
    const started = performance.now();
    try {
      const value = await runAction(
        { registry: engine.registry, driver, signals, run: (kind, reference, nestedArgs, nestedOptions) => runtime.run(kind, reference, nestedArgs, nestedOptions) },
        entry,
        args,
        { identity: runOptions.identity ?? null, administrative: runOptions.administrative === true, timeoutMs: limits.actionTimeoutMs },
      );
      if (listeners.size > 0) emit({ kind: "action", name: entry.name, durationMs: performance.now() - started, ok: true, attempts: 1 });
      return { value, log: new AccessLog(), attempts: 1 };
    } catch (error) {
      emit({ kind: "action", name: entry.name, durationMs: performance.now() - started, ok: false, errorCode: errorCodeOf(error), error, attempts: 1 });
      throw error;
    }
  }

  const runtime: Runtime = {
    driver,
    catalog,
    scheduling: signals,
    limits,
    get registry() {
      return engine.registry;
    },
    setRegistry(registry) {
      engine = { ...engine, registry };
    },
    setRules(rules) {
      engine = { ...engine, rules: rulesEngine(rules) };
    },
    async run(kind, reference, args, runOptions = {}) {
      const current = engine;
      let entry;
      let validArgs;
      try {
        entry = lookupFunction(current.registry, kind, reference, runOptions.allowInternal === true);
        // an action validates its arguments and reports itself
        if (kind === "action") validArgs = null;
        else validArgs = validateArgs(entry.fn, args);
      } catch (error) {
        let name: string;
        try {
          name = getFunctionName(reference);
        } catch {
          name = "<invalid reference>";
        }
        emit({ kind, name, durationMs: 0, ok: false, errorCode: errorCodeOf(error), error, attempts: 0 });
        throw error;
      }
      if (validArgs === null) return action(entry, args, runOptions);
      const found = entry;
      const pristine = validArgs;
      return call(
        kind,
        found.name,
        runOptions.identity ?? null,
        runOptions.administrative === true,
        // Every attempt (a query's single-statement attempt too) gets a fresh copy: a handler
        // that changes its arguments cannot change the caller's, nor what a rerun sees.
        // An invalid take(n) whose n came from the args is the caller's mistake (ARGS_INVALID).
        async (scope) => {
          const invoke = async (): Promise<Value> => {
            try {
              return await invokeFunction(current, scope, found, cloneValue(pristine), true);
            } catch (error) {
              throw attributeToArgs(error, pristine);
            }
          };
          return kind === "mutation" && runOptions.around !== undefined ? runOptions.around(scope.tx, invoke) : invoke();
        },
        kind === "query" ? found.fn : undefined,
      );
    },
    runHandler<TValue>(kind: FunctionType, handler: (ctx: never) => Promise<TValue> | TValue, handlerOptions: HandlerRunOptions = {}): Promise<RunResult<TValue>> {
      const current = engine;
      return call(kind, "<handler>", handlerOptions.identity ?? null, handlerOptions.administrative !== false, async (scope) => {
        const ctx = kind === "mutation" ? createMutationCtx(current, scope) : createQueryCtx(current, scope);
        return handler(ctx as never);
      });
    },
    onCall(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    onCommit(listener) {
      commitListeners.add(listener);
      return () => {
        commitListeners.delete(listener);
      };
    },
  };
  return runtime;
}

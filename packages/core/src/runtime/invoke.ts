import { createDatabase } from "../db/index.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { Auth, GenericMutationCtx, GenericQueryCtx } from "../functions/context.js";
import { getFunctionName, type AnyFunctionReference, type FunctionType } from "../functions/function-reference.js";
import type { FunctionRegistry, RegistryEntry } from "../functions/registry.js";
import type { GenericDataModel } from "../schema/data-model.js";
import type { CursorKeys } from "../db/cursor.js";
import type { Catalog } from "../storage/catalog.js";
import type { RulesEngine } from "../rules/rules-engine.js";
import type { Value } from "../values/value.js";
import { attachCallContext } from "./call-context.js";
import type { CallScope } from "./call-scope.js";
import { validateArgs, validateReturns } from "./validate-call.js";
import { createScheduler } from "../scheduler/create-scheduler.js";
import type { SchedulerSignals } from "../scheduler/scheduler-signals.js";

/** What a call needs besides its transaction: the functions, the tables and the cursor secret. */
export interface Engine {
  readonly registry: FunctionRegistry;
  readonly catalog: Catalog;
  readonly cursorSecret: string | CursorKeys;
  /** The app's table rules (none: no rule code runs at all). */
  readonly rules?: RulesEngine | undefined;
  /** The scheduler's clock and wake-up signal (`ctx.scheduler`). */
  readonly signals: SchedulerSignals;
}

/** The untyped contexts the runtime builds (the typed ones are the same objects). */
export type AnyQueryCtx = GenericQueryCtx<GenericDataModel>;
export type AnyMutationCtx = GenericMutationCtx<GenericDataModel>;

/** `ctx.auth` of a call: the identity its context carries (the same in nested calls). */
function authOf(scope: CallScope): Auth {
  const { identity } = scope.context;
  return Object.freeze({ getUserIdentity: () => Promise.resolve(identity) });
}

function databaseOf(engine: Engine, scope: CallScope, writable: boolean, subjectToRules = true) {
  const options = {
    tx: scope.tx,
    catalog: engine.catalog,
    log: scope.log,
    cache: scope.cache,
    writable,
    cursorSecret: engine.cursorSecret,
    limits: scope.context.limits,
    budget: scope.budget,
    lookups: engine.catalog.strictTableNames ? undefined : scope.lookups,
  };
  const { rules } = engine;
  if (rules === undefined || !subjectToRules || scope.context.administrative) return createDatabase(options);
  // The rules' own `db`: the same transaction, not subject to rules (membership lookups).
  scope.rules ??= rules.bind(scope.context.identity, () => databaseOf(engine, scope, false, false));
  return createDatabase({ ...options, rules: scope.rules });
}

/**
 * Find a function by name for a call of `kind`. Unknown names, internal functions when
 * `allowInternal` is false, and functions of the other kind are all `NOT_FOUND`.
 */
export function lookupFunction(
  registry: FunctionRegistry,
  kind: FunctionType,
  reference: string | AnyFunctionReference,
  allowInternal: boolean,
  caller = "",
): RegistryEntry {
  const name = getFunctionName(reference);
  const entry = registry.get(name);
  const prefix = caller === "" ? "" : `${caller}: `;
  if (entry === undefined || (!allowInternal && entry.visibility === "internal")) {
    throw new FrameworkError("NOT_FOUND", `${prefix}no ${allowInternal ? "" : "public "}${kind} named ${JSON.stringify(name)}`);
  }
  if (entry.kind !== kind) {
    throw new FrameworkError("NOT_FOUND", `${prefix}${JSON.stringify(entry.name)} is a ${entry.kind}, not a ${kind}`);
  }
  return entry;
}

/** The `ctx` of a query (or of `runQuery` from a mutation): a read-only db over the scope's transaction. */
export function createQueryCtx(engine: Engine, scope: CallScope): AnyQueryCtx {
  const ctx: AnyQueryCtx = {
    db: databaseOf(engine, scope, false),
    auth: authOf(scope),
    runQuery: ((reference: AnyFunctionReference, args?: unknown) => runNestedQuery(engine, scope, reference, args)) as AnyQueryCtx["runQuery"],
  };
  return attachCallContext(ctx, scope.context);
}

/** The `ctx` of a mutation: a writable db; nested `runMutation` calls run one at a time, each in a savepoint. */
export function createMutationCtx(engine: Engine, scope: CallScope): AnyMutationCtx {
  const db = databaseOf(engine, scope, true);
  // Savepoints nest, so calls from one ctx must not interleave: queue them.
  let queue: Promise<unknown> = Promise.resolve();
  const runMutation = (reference: AnyFunctionReference, args?: unknown): Promise<Value> => {
    const run = queue.then(
      () => runNestedMutation(engine, scope, reference, args),
      () => runNestedMutation(engine, scope, reference, args),
    );
    queue = run.catch(() => undefined);
    return run;
  };
  const ctx: AnyMutationCtx = {
    db,
    auth: authOf(scope),
    runQuery: ((reference: AnyFunctionReference, args?: unknown) => runNestedQuery(engine, scope, reference, args)) as AnyMutationCtx["runQuery"],
    runMutation: runMutation as AnyMutationCtx["runMutation"],
    // jobs are rows written in this transaction: created only if it commits
    scheduler: createScheduler({ q: scope.tx, registry: engine.registry, signals: engine.signals, afterCommit: (fn) => scope.context.afterCommit(fn) }),
  };
  return attachCallContext(ctx, scope.context);
}

/**
 * Run a function's handler in a scope: a fresh ctx of the function's kind, validated
 * arguments (unless `argsValidated`), a validated result.
 */
export async function invokeFunction(engine: Engine, scope: CallScope, entry: RegistryEntry, args: unknown, argsValidated = false): Promise<Value> {
  const validArgs = argsValidated ? args : validateArgs(entry.fn, args);
  const ctx = entry.kind === "mutation" ? createMutationCtx(engine, scope) : createQueryCtx(engine, scope);
  const result: unknown = await entry.fn.handler(ctx, validArgs);
  return validateReturns(entry.fn, result);
}

async function runNestedQuery(engine: Engine, scope: CallScope, reference: AnyFunctionReference, args: unknown): Promise<Value> {
  const entry = lookupFunction(engine.registry, "query", reference, true, "ctx.runQuery");
  return invokeFunction(engine, scope, entry, args);
}

async function runNestedMutation(engine: Engine, scope: CallScope, reference: AnyFunctionReference, args: unknown): Promise<Value> {
  const entry = lookupFunction(engine.registry, "mutation", reference, true, "ctx.runMutation");
  const validArgs = validateArgs(entry.fn, args);
  return scope.inSavepoint(() => invokeFunction(engine, scope, entry, validArgs, true));
}

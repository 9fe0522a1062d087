import { randomBytes } from "node:crypto";
import { createPgDriver, createPgliteDriver, type Driver } from "../driver/index.js";
import { identityFromTestClaims, type IdentityClaims } from "../auth/user-identity.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { AnyActionReference, AnyMutationReference, AnyQueryReference, GenericMutationCtx, UserIdentity } from "../functions/context.js";
import type { FunctionReturnType, OptionalRestArgs } from "../functions/function-reference.js";
import { moduleKeyPrefix, modulePathFromKey } from "../functions/function-name.js";
import { createRegistry, type ModuleRecord, type ModuleSource } from "../functions/registry.js";
import type { DataModelFromSchemaDefinition, GenericDataModel } from "../schema/data-model.js";
import { schemalessSchema, SchemaDefinition } from "../schema/schema-definition.js";
import { createRuntime, type Runtime } from "../runtime/runtime.js";
import { loadFunctionsDir } from "./load-functions-dir.js";
import { isRulesDefinition, type RulesDefinition } from "../rules/index.js";
import { isCrons, type Crons } from "../crons/cron-jobs.js";
import { SchedulerRunner } from "../scheduler/scheduler-runner.js";
import { nextDueTime } from "../scheduler/job-store.js";

/** Options of {@link convoyTest}. */
export interface ConvoyTestOptions {
  /**
   * A Postgres server URL: a fresh database is created on it for this `convoyTest` and dropped
   * by `t.close()`. Omitted: an in-memory PGlite.
   */
  databaseUrl?: string;
  /** Where to load functions from when `modules` is omitted (default `./convoy` under the cwd). */
  functionsDir?: string;
  /** Attempts per mutation when it conflicts (default 10). */
  maxAttempts?: number;
}

/** The data model of a schema, or the generic one when there is no schema. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any schema
export type DataModelOf<TSchema extends SchemaDefinition<any> | undefined> = TSchema extends SchemaDefinition<any>
  ? DataModelFromSchemaDefinition<TSchema>
  : GenericDataModel;

/**
 * A test harness over the real engine and a real (embedded) Postgres. Made by {@link convoyTest}.
 */
export interface ConvoyTest<TDataModel extends GenericDataModel> {
  /** Run a query (internal ones too) and return its result. */
  query<TReference extends AnyQueryReference>(query: TReference, ...args: OptionalRestArgs<TReference>): Promise<FunctionReturnType<TReference>>;
  query(name: string, args?: Record<string, unknown>): Promise<unknown>;
  /** Run a mutation (internal ones too) and return its result. */
  mutation<TReference extends AnyMutationReference>(mutation: TReference, ...args: OptionalRestArgs<TReference>): Promise<FunctionReturnType<TReference>>;
  mutation(name: string, args?: Record<string, unknown>): Promise<unknown>;
  /** Run an action (internal ones too) and return its result. */
  action<TReference extends AnyActionReference>(action: TReference, ...args: OptionalRestArgs<TReference>): Promise<FunctionReturnType<TReference>>;
  action(name: string, args?: Record<string, unknown>): Promise<unknown>;
  /**
   * Move the harness's clock (the one `ctx.scheduler` times jobs by) forward by `ms`. Nothing
   * runs until {@link finishScheduledFunctions}.
   */
  advanceTime(ms: number): Promise<void>;
  /**
   * Run every scheduled function due by the harness's clock (and cron ticks due), then those
   * they scheduled that are due too, until none is due. Resolves with how many ran.
   *
   * @example
   * await t.mutation(api.messages.sendLater, { delayMs: 5000 });
   * await t.advanceTime(5000);
   * await t.finishScheduledFunctions();
   */
  finishScheduledFunctions(): Promise<number>;
  /** convex-test's name for {@link finishScheduledFunctions}. */
  finishInProgressScheduledFunctions(): Promise<number>;
  /**
   * Run every pending scheduled function, moving the clock to each one's time, until none is
   * left (at most `maxJobs`, default 1000: a job that always schedules another would never end).
   */
  finishAllScheduledFunctions(maxJobs?: number): Promise<number>;
  /** Run code with a mutation ctx (writable `ctx.db`) in one transaction: set up data, inspect it. */
  run<TValue>(handler: (ctx: GenericMutationCtx<TDataModel>) => Promise<TValue>): Promise<TValue>;
  /**
   * The same harness (same database), whose `query`/`mutation` calls carry this identity
   * (`issuer` defaults to `https://convoy.test`, `tokenIdentifier` to `"<issuer>|<subject>"`).
   * `run` stays administrative (no identity, no rules).
   *
   * @example
   * const asAda = t.withIdentity({ subject: "ada", name: "Ada" });
   * await asAda.mutation(api.messages.send, { body: "hi" });
   */
  withIdentity(claims: IdentityClaims): ConvoyTest<TDataModel>;
  /** Close the database (and drop it, with `databaseUrl`). Later calls throw. */
  close(): Promise<void>;
  /** Same as {@link close}, for `await using t = convoyTest(...)`. */
  [Symbol.asyncDispose](): Promise<void>;
}

interface Harness {
  runtime: Runtime;
  runner: SchedulerRunner;
  clock: { offsetMs: number };
  close(): Promise<void>;
}

function isSchemaDefinition(value: unknown): value is SchemaDefinition {
  return value instanceof SchemaDefinition;
}

/** The schema given, else the default export of a `schema` module, else an empty schema. */
function findSchema(schema: SchemaDefinition | undefined, modules: Readonly<Record<string, ModuleSource>>): SchemaDefinition {
  if (schema !== undefined) return schema;
  const prefix = moduleKeyPrefix(Object.keys(modules));
  for (const [key, moduleExports] of Object.entries(modules)) {
    if (modulePathFromKey(key, prefix) !== "schema") continue;
    const candidate = (moduleExports as { default?: unknown }).default;
    if (isSchemaDefinition(candidate)) return candidate;
  }
  return schemalessSchema();
}

/** The default export of the `rules` module (`convoy/rules.ts`), if there is one. */
function findRules(modules: Readonly<Record<string, ModuleSource>>): RulesDefinition | undefined {
  const prefix = moduleKeyPrefix(Object.keys(modules));
  for (const [key, moduleExports] of Object.entries(modules)) {
    if (modulePathFromKey(key, prefix) !== "rules") continue;
    const candidate = (moduleExports as { default?: unknown }).default;
    if (isRulesDefinition(candidate)) return candidate;
  }
  return undefined;
}

/** The default export of the `crons` module (`convoy/crons.ts`), if there is one. */
function findCrons(modules: Readonly<Record<string, ModuleSource>>): Crons | undefined {
  const prefix = moduleKeyPrefix(Object.keys(modules));
  for (const [key, moduleExports] of Object.entries(modules)) {
    if (modulePathFromKey(key, prefix) !== "crons") continue;
    const candidate = (moduleExports as { default?: unknown }).default;
    if (isCrons(candidate)) return candidate;
  }
  return undefined;
}

/** The modules with the schema and rules modules loaded (the others are loaded by the registry). */
async function loadSchemaModule(modules: ModuleRecord): Promise<Record<string, ModuleSource>> {
  const loaded: Record<string, ModuleSource> = {};
  const prefix = moduleKeyPrefix(Object.keys(modules));
  for (const [key, source] of Object.entries(modules)) {
    const modulePath = modulePathFromKey(key, prefix);
    if (modulePath !== "schema" && modulePath !== "rules" && modulePath !== "crons") {
      loaded[key] = source;
      continue;
    }
    const value: unknown = typeof source === "function" ? await (source as () => Promise<unknown>)() : source;
    if (typeof value === "object" && value !== null) loaded[key] = value;
  }
  return loaded;
}

async function createServerDatabase(serverUrl: string): Promise<{ driver: Driver; databaseUrl: string; close(): Promise<void> }> {
  const name = `convoy_test_${Date.now()}_${randomBytes(4).toString("hex")}`;
  const admin = await createPgDriver({ connectionString: serverUrl, max: 1 });
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.close();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const driver = await createPgDriver({ connectionString: url.toString(), max: 10 });
  return {
    driver,
    databaseUrl: url.toString(),
    async close() {
      await driver.close();
      const dropper = await createPgDriver({ connectionString: serverUrl, max: 1 });
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.close();
      }
    },
  };
}

async function startHarness(schema: SchemaDefinition | undefined, modules: ModuleRecord | undefined, options: ConvoyTestOptions): Promise<Harness> {
  const loaded = modules === undefined ? await loadFunctionsDir(options.functionsDir ?? "./convoy") : await loadSchemaModule(modules);
  const resolvedSchema = findSchema(schema, loaded);
  const rules = findRules(loaded);
  const crons = findCrons(loaded);
  const clock = { offsetMs: 0 };
  const registry = await createRegistry(loaded);
  const database =
    options.databaseUrl === undefined || options.databaseUrl === ""
      ? await (async () => {
          const driver = await createPgliteDriver();
          return { driver, databaseUrl: undefined, close: () => driver.close() };
        })()
      : await createServerDatabase(options.databaseUrl);
  try {
    const runtime = await createRuntime({
      driver: database.driver,
      schema: resolvedSchema,
      registry,
      rules,
      // The harness's fresh database gets the schema through `convoy sync`'s code path.
      ensureStorage: database.databaseUrl === undefined ? true : { databaseUrl: database.databaseUrl },
      ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
      now: () => Date.now() + clock.offsetMs,
    });
    // never started: the test runs passes itself (finishScheduledFunctions)
    const runner = new SchedulerRunner({ runtime: () => runtime });
    await runner.setCrons(crons);
    return { runtime, runner, clock, close: () => database.close() };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/**
 * A harness that runs your functions on the real engine against a fresh database: an
 * in-memory PGlite per `convoyTest` call (or, with `{ databaseUrl }`, a new database on that
 * server). Internal functions may be called. See the module comment of `@convoy/core/test` for a
 * full example.
 *
 * @param schema your `schema.ts` default export (omitted: found among the modules, else empty)
 * @param modules what `import.meta.glob("./**\/*.ts")` gives in your functions directory
 *   (omitted: every module of `options.functionsDir`, default `./convoy`, is imported)
 *
 * @example
 * const t = convoyTest(schema, import.meta.glob("./**\/*.ts"));
 * await t.mutation(api.messages.send, { author: "ada", body: "hi" });
 * expect(await t.query(api.messages.list, {})).toHaveLength(1);
 * await t.close();
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any schema
export function convoyTest<TSchema extends SchemaDefinition<any> | undefined = undefined>(
  schema?: TSchema,
  modules?: ModuleRecord,
  options: ConvoyTestOptions = {},
): ConvoyTest<DataModelOf<TSchema>> {
  if (schema !== undefined && !isSchemaDefinition(schema)) {
    throw new FrameworkError("INTERNAL", "convoyTest(schema, modules?): schema must be the default export of schema.ts (defineSchema(...))");
  }
  let starting: Promise<Harness> | undefined;
  let closed = false;
  const harness = (): Promise<Harness> => {
    if (closed) return Promise.reject(new FrameworkError("INTERNAL", "convoyTest: this harness is closed"));
    starting ??= startHarness(schema, modules, options);
    return starting;
  };
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (starting === undefined) return;
    const started = await starting.catch(() => undefined);
    await started?.close();
  };
  /** Passes until one runs nothing: jobs due now, and the due jobs those schedule. */
  const finishDue = async (maxJobs = 1000): Promise<number> => {
    const { runner } = await harness();
    let ran = 0;
    for (;;) {
      const pass = await runner.runDue();
      ran += pass.ran;
      if (pass.ran === 0 && pass.cronJobs === 0) return ran;
      if (ran >= maxJobs) return ran;
    }
  };
  const withIdentity = (identity: UserIdentity | null): ConvoyTest<DataModelOf<TSchema>> => ({
    async query(reference: AnyQueryReference | string, args?: unknown) {
      const { runtime } = await harness();
      return (await runtime.run("query", reference, args, { allowInternal: true, identity })).value;
    },
    async mutation(reference: AnyMutationReference | string, args?: unknown) {
      const { runtime } = await harness();
      return (await runtime.run("mutation", reference, args, { allowInternal: true, identity })).value;
    },
    async action(reference: AnyActionReference | string, args?: unknown) {
      const { runtime } = await harness();
      return (await runtime.run("action", reference, args, { allowInternal: true, identity })).value;
    },
    async advanceTime(ms: number) {
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) throw new FrameworkError("INTERNAL", "convoyTest: advanceTime(ms) needs a non-negative number");
      (await harness()).clock.offsetMs += ms;
    },
    finishScheduledFunctions: () => finishDue(),
    finishInProgressScheduledFunctions: () => finishDue(),
    async finishAllScheduledFunctions(maxJobs = 1000) {
      const { runtime, clock } = await harness();
      let ran = 0;
      while (ran < maxJobs) {
        ran += await finishDue(maxJobs - ran);
        const due = await nextDueTime(runtime.driver);
        if (due === null) return ran;
        const now = runtime.scheduling.now();
        if (due > now) clock.offsetMs += due - now;
      }
      throw new FrameworkError("INTERNAL", `convoyTest: finishAllScheduledFunctions ran ${maxJobs} jobs and more are pending (a job that keeps scheduling another?)`);
    },
    async run<TValue>(handler: (ctx: GenericMutationCtx<DataModelOf<TSchema>>) => Promise<TValue>): Promise<TValue> {
      const { runtime } = await harness();
      return (await runtime.runHandler("mutation", (ctx) => handler(ctx as unknown as GenericMutationCtx<DataModelOf<TSchema>>))).value;
    },
    withIdentity: (claims: IdentityClaims) => withIdentity(identityFromTestClaims(claims)),
    close,
    [Symbol.asyncDispose]: close,
  }) as ConvoyTest<DataModelOf<TSchema>>;
  return withIdentity(null);
}

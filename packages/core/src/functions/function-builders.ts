import { FrameworkError } from "../errors/framework-error.js";
import type { GenericDataModel } from "../schema/data-model.js";
import { fromForeignFields, fromForeignValidator } from "../values/foreign-validator.js";
import type { ObjectType } from "../values/v.js";
import { isPlainObject } from "../values/validation-issue.js";
import { VObject, type GenericValidator, type PropertyValidators } from "../values/validators.js";
import type { GenericActionCtx, GenericMutationCtx, GenericQueryCtx } from "./context.js";
import type { DefaultFunctionArgs, FunctionType, FunctionVisibility } from "./function-reference.js";
import type { AnyRegisteredFunction, RegisteredFunction } from "./registered-function.js";

/** What `args` takes: an object of validators, or one `v.object(...)`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any object validator
export type ArgsValidator = PropertyValidators | VObject<any, any, "required", any>;

/** What `returns` takes: a validator, or an object of validators (as `v.object`). */
export type ReturnsValidator = GenericValidator | PropertyValidators;

/** The arguments object an `args` validator accepts. */
export type ArgsFromValidator<TArgsValidator extends ArgsValidator> =
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any object validator
  TArgsValidator extends VObject<infer TType, any, any, any>
    ? TType
    : TArgsValidator extends PropertyValidators
      ? keyof TArgsValidator extends never
        ? Record<string, never>
        : ObjectType<TArgsValidator>
      : never;

/** A value of `TType`, or a promise of one; `null` may also be nothing (`void`), as the runtime sends `undefined` as `null`. */
type ReturnOf<TType> = TType | Promise<TType> | (null extends TType ? void | Promise<void> : never);

/** What a handler may return given its `returns` validator (anything when there is none). */
export type ReturnValueFor<TReturnsValidator extends ReturnsValidator | undefined> = TReturnsValidator extends GenericValidator
  ? ReturnOf<TReturnsValidator["type"]>
  : TReturnsValidator extends PropertyValidators
    ? ReturnOf<ObjectType<TReturnsValidator>>
    : unknown;

/** The `ctx` a handler of each kind of function gets. */
export interface FunctionCtx<TDataModel extends GenericDataModel> {
  query: GenericQueryCtx<TDataModel>;
  mutation: GenericMutationCtx<TDataModel>;
  action: GenericActionCtx<TDataModel>;
}

/**
 * The type of every function builder (`query`, `mutation`, `action` and their `internal…`
 * forms; the generated ones are typed with the app's DataModel). Three forms:
 * `{ args, returns?, handler }` (handler args inferred from `args`), `{ handler }` (any object;
 * annotate the handler's args to type them), or a bare handler. The handler gets the `ctx` of
 * its kind ({@link FunctionCtx}).
 *
 * @example
 * export const byAuthor = query({
 *   args: { author: v.string(), limit: v.optional(v.number()) },
 *   handler: async (ctx, { author, limit }) =>
 *     ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", author)).take(limit ?? 20),
 * });
 */
export interface FunctionBuilder<TType extends FunctionType, TDataModel extends GenericDataModel, TVisibility extends FunctionVisibility> {
  <
    TArgsValidator extends ArgsValidator,
    TReturnsValidator extends ReturnsValidator | undefined = undefined,
    TResult extends ReturnValueFor<TReturnsValidator> = ReturnValueFor<TReturnsValidator>,
  >(definition: {
    args: TArgsValidator;
    returns?: TReturnsValidator;
    handler: (ctx: FunctionCtx<TDataModel>[TType], args: ArgsFromValidator<TArgsValidator>) => TResult;
  }): RegisteredFunction<TType, TVisibility, ArgsFromValidator<TArgsValidator>, Awaited<TResult>>;
  <
    TArgs extends DefaultFunctionArgs = DefaultFunctionArgs,
    TReturnsValidator extends ReturnsValidator | undefined = undefined,
    TResult extends ReturnValueFor<TReturnsValidator> = ReturnValueFor<TReturnsValidator>,
  >(definition: {
    args?: undefined;
    returns?: TReturnsValidator;
    handler: (ctx: FunctionCtx<TDataModel>[TType], args: TArgs) => TResult;
  }): RegisteredFunction<TType, TVisibility, TArgs, Awaited<TResult>>;
  <TArgs extends DefaultFunctionArgs = DefaultFunctionArgs, TResult = unknown>(
    handler: (ctx: FunctionCtx<TDataModel>[TType], args: TArgs) => TResult,
  ): RegisteredFunction<TType, TVisibility, TArgs, Awaited<TResult>>;
}

/** The type of `query`/`internalQuery` (see {@link FunctionBuilder}). */
export type QueryBuilder<TDataModel extends GenericDataModel, TVisibility extends FunctionVisibility> = FunctionBuilder<"query", TDataModel, TVisibility>;

/**
 * The type of `mutation`/`internalMutation` (see {@link FunctionBuilder}); the handler gets a
 * {@link GenericMutationCtx}.
 *
 * @example
 * export const send = mutation({
 *   args: { author: v.string(), body: v.string() },
 *   handler: async (ctx, args) => ctx.db.insert("messages", args),
 * });
 */
export type MutationBuilder<TDataModel extends GenericDataModel, TVisibility extends FunctionVisibility> = FunctionBuilder<"mutation", TDataModel, TVisibility>;

/**
 * The type of `action`/`internalAction` (see {@link FunctionBuilder}); the handler gets a
 * {@link GenericActionCtx}: no `db`, but `runQuery`/`runMutation` (each its own transaction),
 * `runAction`, `auth` and `scheduler`, and it may call `fetch` and Node's built-ins. Actions
 * are never retried.
 *
 * @example
 * export const charge = action({
 *   args: { amount: v.number() },
 *   handler: async (ctx, { amount }) => {
 *     const receipt = await (await fetch("https://payments.example/charge", { method: "POST", body: String(amount) })).text();
 *     await ctx.runMutation(internal.payments.record, { receipt });
 *     return receipt;
 *   },
 * });
 */
export type ActionBuilder<TDataModel extends GenericDataModel, TVisibility extends FunctionVisibility> = FunctionBuilder<"action", TDataModel, TVisibility>;

interface FunctionDefinition {
  args?: unknown;
  returns?: unknown;
  handler: unknown;
}

function isValidator(value: unknown): value is GenericValidator {
  return typeof value === "object" && value !== null && (value as { isConvoyValidator?: unknown }).isConvoyValidator === true;
}

function definitionError(builder: string, message: string): FrameworkError {
  return new FrameworkError("INTERNAL", `${builder}(): ${message}`);
}

/** An object of validators becomes `v.object(...)`; a validator is kept (it must be required). */
function toValidator(builder: string, option: "args" | "returns", input: unknown): GenericValidator | undefined {
  if (input === undefined) return undefined;
  // validators of the `convex` package (a Convex app's code) are rebuilt from their JSON
  const value = isPlainObject(input) ? fromForeignFields(input) : fromForeignValidator(input);
  if (isValidator(value)) {
    if (value.isOptional === "optional") throw definitionError(builder, `${option} cannot be v.optional(...)`);
    return value;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw definitionError(builder, `${option} must be an object of validators or a validator built with v`);
  }
  try {
    return new VObject("required", value as PropertyValidators);
  } catch (error) {
    throw definitionError(builder, `${option}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function register(type: FunctionType, visibility: FunctionVisibility, builder: string, definition: unknown): AnyRegisteredFunction {
  const config: FunctionDefinition =
    typeof definition === "function" ? { handler: definition } : typeof definition === "object" && definition !== null ? (definition as FunctionDefinition) : { handler: undefined };
  if (typeof config.handler !== "function") throw definitionError(builder, "needs a handler function, or { args?, returns?, handler }");
  const handler = config.handler as AnyRegisteredFunction["handler"];
  const args = toValidator(builder, "args", config.args);
  const returns = toValidator(builder, "returns", config.returns);
  const registered = {
    isConvoyFunction: true,
    type,
    isQuery: type === "query",
    isMutation: type === "mutation",
    isAction: type === "action",
    visibility,
    isPublic: visibility === "public",
    isInternal: visibility === "internal",
    args,
    returns,
    handler,
    exportArgs: () => JSON.stringify(args === undefined ? { type: "any" } : args.json),
    exportReturns: () => JSON.stringify(returns === undefined ? null : returns.json),
  };
  return Object.freeze(registered) as unknown as AnyRegisteredFunction;
}

/**
 * Define a public query (callable over HTTP). The generated `_generated/server` exports it
 * typed with the app's DataModel as `query`.
 *
 * @example
 * export const list = queryGeneric({ args: {}, handler: async (ctx) => ctx.db.query("messages").collect() });
 */
export const queryGeneric: QueryBuilder<GenericDataModel, "public"> = ((definition: unknown) =>
  register("query", "public", "query", definition)) as QueryBuilder<GenericDataModel, "public">;

/**
 * Define an internal query: callable from other functions, tests and the CLI, never over HTTP.
 *
 * @example
 * export const byEmail = internalQueryGeneric({ args: { email: v.string() }, handler: async (ctx, { email }) => ... });
 */
export const internalQueryGeneric: QueryBuilder<GenericDataModel, "internal"> = ((definition: unknown) =>
  register("query", "internal", "internalQuery", definition)) as QueryBuilder<GenericDataModel, "internal">;

/**
 * Define a public mutation: one serializable transaction, retried on conflicts.
 *
 * @example
 * export const send = mutationGeneric({ args: { body: v.string() }, handler: async (ctx, args) => ctx.db.insert("messages", args) });
 */
export const mutationGeneric: MutationBuilder<GenericDataModel, "public"> = ((definition: unknown) =>
  register("mutation", "public", "mutation", definition)) as MutationBuilder<GenericDataModel, "public">;

/**
 * Define an internal mutation: callable from other functions, tests and the CLI, never over HTTP.
 *
 * @example
 * export const reset = internalMutationGeneric({ handler: async (ctx) => { ... } });
 */
export const internalMutationGeneric: MutationBuilder<GenericDataModel, "internal"> = ((definition: unknown) =>
  register("mutation", "internal", "internalMutation", definition)) as MutationBuilder<GenericDataModel, "internal">;

/**
 * Define a public action: callable over HTTP (`POST /api/action/<name>`), runs outside any
 * transaction, may call the outside world; never retried.
 *
 * @example
 * export const ping = actionGeneric({ args: { url: v.string() }, handler: async (ctx, { url }) => (await fetch(url)).status });
 */
export const actionGeneric: ActionBuilder<GenericDataModel, "public"> = ((definition: unknown) =>
  register("action", "public", "action", definition)) as ActionBuilder<GenericDataModel, "public">;

/**
 * Define an internal action: callable from other functions, the scheduler, tests and the CLI, never over HTTP.
 *
 * @example
 * export const sendEmail = internalActionGeneric({ args: { to: v.string() }, handler: async (ctx, { to }) => { ... } });
 */
export const internalActionGeneric: ActionBuilder<GenericDataModel, "internal"> = ((definition: unknown) =>
  register("action", "internal", "internalAction", definition)) as ActionBuilder<GenericDataModel, "internal">;

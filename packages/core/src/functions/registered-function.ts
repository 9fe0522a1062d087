import type { GenericValidator } from "../values/validators.js";
import type { DefaultFunctionArgs, FunctionType, FunctionVisibility } from "./function-reference.js";

/**
 * What query/mutation builders return and modules export. The runtime reads the plain
 * properties; `_args` and `_returnType` exist only in types (the generated `api` reads them).
 */
export interface RegisteredFunction<
  TType extends FunctionType,
  TVisibility extends FunctionVisibility,
  TArgs extends DefaultFunctionArgs,
  TReturn,
> {
  /** Always `true`: marks an export as a Convoy function. */
  readonly isConvoyFunction: true;
  /** `"query"`, `"mutation"` or `"action"`. */
  readonly type: TType;
  readonly isQuery: TType extends "query" ? true : false;
  readonly isMutation: TType extends "mutation" ? true : false;
  readonly isAction: TType extends "action" ? true : false;
  /** `"public"` or `"internal"`. */
  readonly visibility: TVisibility;
  readonly isPublic: TVisibility extends "public" ? true : false;
  readonly isInternal: TVisibility extends "internal" ? true : false;
  /** The arguments validator (an object validator), or `undefined` when any object is accepted. */
  readonly args: GenericValidator | undefined;
  /** The result validator, or `undefined` when the result is not checked. */
  readonly returns: GenericValidator | undefined;
  /**
   * The user's handler, called by the runtime with a `ctx` and validated arguments. Typed
   * loosely here: the builders type it with the app's DataModel.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any ctx: the handler was typed at definition
  readonly handler: (ctx: any, args: TArgs) => unknown;
  /** The arguments validator as JSON text, in Convex's format (`{"type":"any"}` when absent). */
  exportArgs(): string;
  /** The result validator as JSON text, in Convex's format (`null` when absent). */
  exportReturns(): string;
  /** Type only: the arguments object. */
  readonly _args: TArgs;
  /** Type only: the (awaited) result. */
  readonly _returnType: TReturn;
}

/**
 * A registered query (made by `query`/`internalQuery`).
 *
 * @example
 * export const list: RegisteredQuery<"public", { author: string }, Message[]> = query({ ... });
 */
export type RegisteredQuery<TVisibility extends FunctionVisibility, TArgs extends DefaultFunctionArgs, TReturn> = RegisteredFunction<
  "query",
  TVisibility,
  TArgs,
  TReturn
>;

/**
 * A registered mutation (made by `mutation`/`internalMutation`).
 *
 * @example
 * export const send: RegisteredMutation<"public", { body: string }, Id<"messages">> = mutation({ ... });
 */
export type RegisteredMutation<TVisibility extends FunctionVisibility, TArgs extends DefaultFunctionArgs, TReturn> = RegisteredFunction<
  "mutation",
  TVisibility,
  TArgs,
  TReturn
>;

/**
 * A registered action (made by `action`/`internalAction`).
 *
 * @example
 * export const charge: RegisteredAction<"public", { amount: number }, string> = action({ ... });
 */
export type RegisteredAction<TVisibility extends FunctionVisibility, TArgs extends DefaultFunctionArgs, TReturn> = RegisteredFunction<
  "action",
  TVisibility,
  TArgs,
  TReturn
>;

/** Any registered function. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- matches every registered function
export type AnyRegisteredFunction = RegisteredFunction<FunctionType, FunctionVisibility, any, unknown>;

/**
 * Whether a value is a registered Convoy function (also one made by another copy of this package).
 *
 * @example
 * Object.entries(module).filter(([, value]) => isRegisteredFunction(value));
 */
export function isRegisteredFunction(value: unknown): value is AnyRegisteredFunction {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const candidate = value as Partial<Record<keyof AnyRegisteredFunction, unknown>>;
  return (
    candidate.isConvoyFunction === true &&
    (candidate.type === "query" || candidate.type === "mutation" || candidate.type === "action") &&
    (candidate.visibility === "public" || candidate.visibility === "internal") &&
    typeof candidate.handler === "function"
  );
}

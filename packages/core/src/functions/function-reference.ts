/**
 * Function references: how code names a Convoy function without importing it. Browser-safe:
 * this file imports nothing from server code.
 */
import { FrameworkError } from "../errors/framework-error.js";

/** The kinds of function Convoy runs. */
export type FunctionType = "query" | "mutation" | "action";

/** `public` functions are callable over HTTP; `internal` ones only from other functions, tests and the CLI. */
export type FunctionVisibility = "public" | "internal";

/** The arguments any function accepts when it declares no `args`: any object. */
export type DefaultFunctionArgs = Record<string, unknown>;

/**
 * A typed name of a function. At runtime it is an object that only carries the name (read it
 * with {@link getFunctionName}); the underscored properties exist only in types.
 *
 * @example
 * import { api } from "../convoy/_generated/api";
 * const ref: FunctionReference<"query", "public", { author: string }, Message[]> = api.messages.byAuthor;
 */
export interface FunctionReference<
  TType extends FunctionType = FunctionType,
  TVisibility extends FunctionVisibility = "public",
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Convex's default: any arguments
  TArgs extends DefaultFunctionArgs = any,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Convex's default: any result
  TReturn = any,
> {
  /** Type only: `"query"`, `"mutation"` or `"action"`. */
  readonly _type: TType;
  /** Type only: `"public"` or `"internal"`. */
  readonly _visibility: TVisibility;
  /** Type only: the arguments object. */
  readonly _args: TArgs;
  /** Type only: the resolved result. */
  readonly _returnType: TReturn;
}

/** Any function reference, of any kind and visibility. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- matches every reference
export type AnyFunctionReference = FunctionReference<any, any>;

/**
 * The arguments object of a referenced function.
 *
 * @example
 * type Args = FunctionArgs<typeof api.messages.send>; // { author: string; body: string }
 */
export type FunctionArgs<TReference extends AnyFunctionReference> = TReference["_args"];

/**
 * The (awaited) result of a referenced function.
 *
 * @example
 * type Messages = FunctionReturnType<typeof api.messages.list>;
 */
export type FunctionReturnType<TReference extends AnyFunctionReference> = TReference["_returnType"];

/**
 * The rest parameters that pass a function's arguments: optional when every argument is
 * optional (or there are none), required otherwise.
 *
 * @example
 * function call<TRef extends FunctionReference<"query">>(ref: TRef, ...args: OptionalRestArgs<TRef>) {}
 */
export type OptionalRestArgs<TReference extends AnyFunctionReference> =
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- "every field optional" test
  {} extends TReference["_args"] ? [args?: TReference["_args"]] : [args: TReference["_args"]];

/** The property under which a reference object carries its function's name. */
export const functionNameSymbol: unique symbol = Symbol.for("convoy.functionName");
/** The property Convex's `anyApi` uses, read too so Convex-made references work. */
const convexFunctionNameSymbol = Symbol.for("functionName");

/**
 * A reference to a function by name, for when the generated `api` is not at hand. The type
 * parameters say what it refers to; nothing checks them.
 *
 * @example
 * const list = makeFunctionReference<"query", { author: string }, Message[]>("messages:list");
 * await t.query(list, { author: "ada" });
 */
export function makeFunctionReference<
  TType extends FunctionType,
  TArgs extends DefaultFunctionArgs = DefaultFunctionArgs,
  TReturn = unknown,
  TVisibility extends FunctionVisibility = "public",
>(name: string): FunctionReference<TType, TVisibility, TArgs, TReturn> {
  if (typeof name !== "string" || name === "") throw new FrameworkError("INTERNAL", "makeFunctionReference(name) needs a function name");
  return { [functionNameSymbol]: name } as unknown as FunctionReference<TType, TVisibility, TArgs, TReturn>;
}

/**
 * The name (`"module:export"`) of a function reference. A string is returned as it is, so
 * APIs taking a reference also take a name.
 *
 * @example
 * getFunctionName(api.admin.users.list); // "admin/users:list"
 * getFunctionName("messages:send");      // "messages:send"
 */
export function getFunctionName(reference: AnyFunctionReference | string): string {
  if (typeof reference === "string") return reference;
  if ((typeof reference === "object" || typeof reference === "function") && reference !== null) {
    const carrier = reference as unknown as Record<symbol, unknown>;
    const name = carrier[functionNameSymbol] ?? carrier[convexFunctionNameSymbol];
    if (typeof name === "string") return name;
  }
  throw new FrameworkError("INTERNAL", 'expected a function reference (like api.messages.list) or a name like "messages:list"');
}

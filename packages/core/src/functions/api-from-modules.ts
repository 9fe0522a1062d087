/**
 * Types that turn `typeof` modules into a typed `api` object: what the generated `api.d.ts`
 * plugs its modules into (no bulk is generated).
 */
import type { AnyFunctionReference, FunctionReference } from "./function-reference.js";
import type { AnyRegisteredFunction, RegisteredAction, RegisteredMutation, RegisteredQuery } from "./registered-function.js";

/** A function returning nothing returns `null` to its callers (the runtime sends `undefined` as `null`). */
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a handler returning nothing is typed void
type UndefinedToNull<TValue> = TValue extends void ? null : TValue;

/** The reference type of one export, or `never` when the export is not a registered function. */
export type FunctionReferenceFromExport<TExport> =
  TExport extends RegisteredQuery<infer TVisibility, infer TArgs, infer TReturn>
    ? FunctionReference<"query", TVisibility, TArgs, UndefinedToNull<TReturn>>
    : TExport extends RegisteredMutation<infer TVisibility, infer TArgs, infer TReturn>
      ? FunctionReference<"mutation", TVisibility, TArgs, UndefinedToNull<TReturn>>
      : TExport extends RegisteredAction<infer TVisibility, infer TArgs, infer TReturn>
        ? FunctionReference<"action", TVisibility, TArgs, UndefinedToNull<TReturn>>
        : never;

/** The references of one module: one per export that is a registered function. */
export type FunctionReferencesInModule<TModule> = {
  -readonly [TExportName in keyof TModule as TModule[TExportName] extends AnyRegisteredFunction ? TExportName : never]: FunctionReferenceFromExport<
    TModule[TExportName]
  >;
};

/** `"admin/users"` → `{ admin: { users: references } }`. */
type ApiForModule<TModulePath extends string, TModule> = TModulePath extends `${infer TFirst}/${infer TRest}`
  ? { [TKey in TFirst]: ApiForModule<TRest, TModule> }
  : { [TKey in TModulePath]: FunctionReferencesInModule<TModule> };

type UnionToIntersection<TUnion> = (TUnion extends unknown ? (value: TUnion) => void : never) extends (value: infer TIntersection) => void
  ? TIntersection
  : never;

/** Flattens intersections into plain objects, recursively, stopping at references. */
type ExpandApi<TApi> = TApi extends AnyFunctionReference ? TApi : { [TKey in keyof TApi]: ExpandApi<TApi[TKey]> };

/**
 * Keeps only the references that match `TPredicate` (and the folders and modules that still
 * hold some): `api` keeps public functions, `internal` internal ones.
 *
 * @example
 * declare const fullApi: ApiFromModules<{ messages: typeof messages }>;
 * export declare const api: FilterApi<typeof fullApi, FunctionReference<any, "public">>;
 */
export type FilterApi<TApi, TPredicate> = {
  [TKey in keyof TApi as TApi[TKey] extends TPredicate
    ? TKey
    : TApi[TKey] extends AnyFunctionReference
      ? never
      : keyof FilterApi<TApi[TKey], TPredicate> extends never
        ? never
        : TKey]: TApi[TKey] extends TPredicate ? TApi[TKey] : FilterApi<TApi[TKey], TPredicate>;
};

/**
 * The API of an app from its modules, keyed by module path (`"admin/users"`): nested objects
 * by folder, one {@link FunctionReference} per registered export.
 *
 * @example
 * import type * as messages from "../messages.js";
 * import type * as admin_users from "../admin/users.js";
 * declare const fullApi: ApiFromModules<{ messages: typeof messages; "admin/users": typeof admin_users }>;
 * // fullApi.admin.users.list: FunctionReference<"query", "public", {...}, ...>
 */
export type ApiFromModules<TModules extends Record<string, object>> = FilterApi<
  ExpandApi<UnionToIntersection<{ [TModulePath in keyof TModules & string]: ApiForModule<TModulePath, TModules[TModulePath]> }[keyof TModules & string]>>,
  AnyFunctionReference
>;

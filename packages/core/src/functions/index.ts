/**
 * Functions: the query/mutation builders, registered-function and ctx types, function
 * references (`anyApi`, `ApiFromModules`) and the registry. Re-exported by `@convoy/core/server`.
 *
 * ```ts
 * import { queryGeneric as query, mutationGeneric as mutation, anyApi, createRegistrySync, getFunctionName } from "./functions/index.js";
 * import { v } from "../values/index.js";
 *
 * export const list = query({ args: { author: v.string() }, handler: async (ctx, { author }) => [] });
 * export const send = mutation({ args: { body: v.string() }, handler: async (ctx, args) => ctx.db.insert("messages", args) });
 *
 * const registry = createRegistrySync({ messages: { list, send } });
 * registry.get(getFunctionName(anyApi.messages.list))?.kind; // "query"
 * ```
 */
export {
  functionNameSymbol,
  getFunctionName,
  makeFunctionReference,
  type AnyFunctionReference,
  type DefaultFunctionArgs,
  type FunctionArgs,
  type FunctionReference,
  type FunctionReturnType,
  type FunctionType,
  type FunctionVisibility,
  type OptionalRestArgs,
} from "./function-reference.js";
export { anyApi, type AnyApi } from "./any-api.js";
export type { ApiFromModules, FilterApi, FunctionReferenceFromExport, FunctionReferencesInModule } from "./api-from-modules.js";
export {
  isRegisteredFunction,
  type AnyRegisteredFunction,
  type RegisteredAction,
  type RegisteredFunction,
  type RegisteredMutation,
  type RegisteredQuery,
} from "./registered-function.js";
export type {
  AnyActionReference,
  AnyMutationReference,
  AnyQueryReference,
  Auth,
  GenericActionCtx,
  GenericMutationCtx,
  GenericQueryCtx,
  RunAction,
  RunMutation,
  RunQuery,
  UserIdentity,
} from "./context.js";
export type {
  ScheduledFunction,
  ScheduledFunctionId,
  ScheduledFunctionState,
  SchedulableFunctionReference,
  Scheduler,
  SystemDatabaseReader,
  SystemQuery,
} from "./scheduler-types.js";
export {
  actionGeneric,
  internalActionGeneric,
  type ActionBuilder,
  internalMutationGeneric,
  internalQueryGeneric,
  mutationGeneric,
  queryGeneric,
  type ArgsFromValidator,
  type ArgsValidator,
  type FunctionBuilder,
  type FunctionCtx,
  type MutationBuilder,
  type QueryBuilder,
  type ReturnsValidator,
  type ReturnValueFor,
} from "./function-builders.js";
export {
  createRegistry,
  createRegistrySync,
  type FunctionRegistry,
  type ModuleExports,
  type ModuleRecord,
  type ModuleSource,
  type RegistryEntry,
} from "./registry.js";
export { moduleKeyPrefix, modulePathFromKey, normalizeFunctionName } from "./function-name.js";

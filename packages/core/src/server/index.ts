/**
 * `@convoy/core/server`: define a schema and functions, and mount Convoy in a Node app.
 *
 * ```ts
 * // convoy/schema.ts
 * import { defineSchema, defineTable } from "@convoy/core/server";
 * import { v } from "@convoy/core/values";
 * export default defineSchema({
 *   messages: defineTable({ author: v.string(), body: v.string() }).index("by_author", ["author"]),
 * });
 *
 * // convoy/messages.ts
 * import { query, mutation } from "./_generated/server";
 * export const byAuthor = query({
 *   args: { author: v.string() },
 *   handler: (ctx, { author }) => ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", author)).collect(),
 * });
 * ```
 */
export {
  defineSchema,
  defineTable,
  schemaHash,
  SchemaDefinition,
  TableDefinition,
  type DataModelFromSchemaDefinition,
  type DefineSchemaOptions,
  type DocumentByName,
  type DocumentValidator,
  type Expand,
  type GenericDataModel,
  type GenericDocument,
  type GenericSchema,
  type GenericTableIndexes,
  type GenericTableInfo,
  type IdField,
  type IndexJSON,
  type SchemaJSON,
  type SystemFields,
  type SystemIndexes,
  type TableJSON,
  type TableNamesInDataModel,
  type WithoutSystemFields,
} from "../schema/index.js";
export type { GenericDatabaseReader, GenericDatabaseWriter, NamedTableInfo, PatchValue, WithOptionalSystemFields } from "./database.js";
export type { Cursor, OrderedQuery, PaginationOptions, PaginationResult, Query, QueryInitializer } from "./query.js";
export type { Expression, ExpressionOrValue, FilterBuilder } from "./filter-builder.js";
export type {
  IndexRange,
  IndexRangeBuilder,
  LowerBoundAfterUpperIndexRangeBuilder,
  LowerBoundIndexRangeBuilder,
  UpperBoundIndexRangeBuilder,
} from "./index-range-builder.js";
export type { DocumentByInfo, FieldPaths, FieldTypeFromFieldPath, IndexNames, NamedIndex } from "./field-types.js";
export {
  actionGeneric,
  internalActionGeneric,
  type ActionBuilder,
  type GenericActionCtx,
  type RegisteredAction,
  type ScheduledFunction,
  type ScheduledFunctionId,
  type ScheduledFunctionState,
  type SchedulableFunctionReference,
  type Scheduler,
  type SystemDatabaseReader,
  type SystemQuery,
  anyApi,
  getFunctionName,
  internalMutationGeneric,
  internalQueryGeneric,
  makeFunctionReference,
  mutationGeneric,
  queryGeneric,
  type AnyApi,
  type AnyFunctionReference,
  type ApiFromModules,
  type ArgsFromValidator,
  type FunctionBuilder,
  type FunctionCtx,
  type Auth,
  type FilterApi,
  type FunctionArgs,
  type FunctionReference,
  type FunctionReturnType,
  type FunctionType,
  type FunctionVisibility,
  type GenericMutationCtx,
  type GenericQueryCtx,
  type MutationBuilder,
  type QueryBuilder,
  type RegisteredMutation,
  type RegisteredQuery,
  type UserIdentity,
} from "../functions/index.js";
export { paginationOptsValidator } from "../db/index.js";
export { cronJobs, Crons, type CronJob, type CronSchedule, type DailySchedule, type HourlySchedule, type IntervalSchedule, type MonthlySchedule, type WeeklySchedule } from "../crons/cron-jobs.js";
export { httpActionGeneric, httpRouter, HttpRouter, ROUTABLE_METHODS, type HttpActionBuilder, type PublicHttpAction, type RoutableMethod, type RouteSpec } from "../http-actions/http-router.js";
export { createHttpActionRoutes, type HttpActionRoutes, type HttpActionRoutesOptions } from "../http-actions/http-action-routes.js";
export { SchedulerRunner, type PassResult, type SchedulerRunnerOptions } from "../scheduler/scheduler-runner.js";
export { defineRulesGeneric, type DefineRules, type ReadRule, type RuleCtx, type Rules, type TableRules } from "./rules.js";
export { RulesDefinition, readableRows, type StoredRow } from "../rules/index.js";
export { ERROR_CODES, FrameworkError, isErrorCode, isFrameworkError, type ErrorCode, type FrameworkErrorOptions } from "../errors/index.js";
export { identityFromHeader } from "../http/authenticate.js";
export { createHandler, createFetchHandler, createServer, type HandlerOptions, type ServerOptions, type ConnectionLimits, type HttpLimits, type CorsOptions, type HttpRuntime, type MetricsSource } from "../http/index.js";
export { createRuntime, DEFAULT_CALL_LIMITS, type CallLimits, type CommitEvent, type CommitListener, type RunOptions, type Runtime, type RuntimeOptions, type RunResult } from "../runtime/index.js";
export { RealtimeEngine, type RealtimeEngineOptions, type SyncLimits } from "../realtime/index.js";
export { ConvoyMetrics } from "../metrics/index.js";
export { createRegistry, createRegistrySync, type FunctionRegistry } from "../functions/index.js";
export {
  AuthConfigError,
  createTokenVerifier,
  validateAuthConfig,
  type AuthConfig,
  type AuthProvider,
  type CustomJwtProvider,
  type OidcProvider,
  type SecretProvider,
  type TokenVerifier,
  type TokenVerifierOptions,
} from "../auth/index.js";
export { createDriver, type Driver, type CreateDriverOptions } from "../driver/index.js";

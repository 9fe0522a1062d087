import type { GenericDataModel } from "../schema/data-model.js";
import type { GenericDatabaseReader, GenericDatabaseWriter } from "../server/database.js";
import type { FunctionReference, FunctionReturnType, FunctionVisibility, OptionalRestArgs } from "./function-reference.js";
import type { Scheduler } from "./scheduler-types.js";

/**
 * Who is calling, as proven by a verified token (M3). Convex's fields.
 */
export interface UserIdentity {
  /** Stable id of the user at the issuer (`iss` + `sub`). */
  readonly tokenIdentifier: string;
  readonly subject: string;
  readonly issuer: string;
  readonly name?: string;
  readonly email?: string;
  readonly emailVerified?: boolean;
  readonly pictureUrl?: string;
  readonly [claim: string]: unknown;
}

/** `ctx.auth`. */
export interface Auth {
  /**
   * The identity of the caller, or `null` when the call carries no (valid) token.
   * Until authentication lands (M3) this is always `null`.
   */
  getUserIdentity(): Promise<UserIdentity | null>;
}

/** A reference to a query of either visibility (what `ctx.runQuery` accepts). */
export type AnyQueryReference = FunctionReference<"query", FunctionVisibility>;
/** A reference to a mutation of either visibility (what `ctx.runMutation` accepts). */
export type AnyMutationReference = FunctionReference<"mutation", FunctionVisibility>;

/** A reference to an action of either visibility (what `ctx.runAction` accepts). */
export type AnyActionReference = FunctionReference<"action", FunctionVisibility>;

/** Run an action (from an action): outside any transaction, with this call's identity. */
export type RunAction = <TReference extends AnyActionReference>(
  action: TReference,
  ...args: OptionalRestArgs<TReference>
) => Promise<FunctionReturnType<TReference>>;

/** Call a query inside the current transaction (internal queries too). */
export type RunQuery = <TReference extends AnyQueryReference>(
  query: TReference,
  ...args: OptionalRestArgs<TReference>
) => Promise<FunctionReturnType<TReference>>;

/** Call a mutation inside the current transaction, in a savepoint. */
export type RunMutation = <TReference extends AnyMutationReference>(
  mutation: TReference,
  ...args: OptionalRestArgs<TReference>
) => Promise<FunctionReturnType<TReference>>;

/**
 * The `ctx` of a query: a read-only `db` on one snapshot, `auth`, and `runQuery`.
 *
 * @example
 * export const count = query({ handler: async (ctx: QueryCtx) => ctx.db.query("messages").count() });
 */
export interface GenericQueryCtx<TDataModel extends GenericDataModel> {
  /** Reads the database (one consistent snapshot). */
  readonly db: GenericDatabaseReader<TDataModel>;
  /** Who is calling. */
  readonly auth: Auth;
  /** Run another query inside this query's transaction; its args and result are validated. */
  readonly runQuery: RunQuery;
}

/**
 * The `ctx` of a mutation: a read-write `db` in one serializable transaction, `auth`,
 * `runQuery` (sees this mutation's writes) and `runMutation` (in a savepoint).
 *
 * @example
 * export const send = mutation({
 *   args: { body: v.string() },
 *   handler: async (ctx, { body }) => {
 *     const id = await ctx.db.insert("messages", { body });
 *     await ctx.runMutation(internal.counters.bump, { name: "messages" });
 *     return id;
 *   },
 * });
 */
export interface GenericMutationCtx<TDataModel extends GenericDataModel> {
  /** Reads and writes the database; reads see this mutation's writes. */
  readonly db: GenericDatabaseWriter<TDataModel>;
  /** Who is calling. */
  readonly auth: Auth;
  /** Run a query inside this transaction: it sees this mutation's writes and cannot write. */
  readonly runQuery: RunQuery;
  /**
   * Run another mutation inside this transaction, in a savepoint: if it throws, its writes are
   * undone and the error reaches the caller, which may catch it and go on.
   */
  readonly runMutation: RunMutation;
  /** Schedule mutations and actions; the jobs are created only if this mutation commits. */
  readonly scheduler: Scheduler;
}

/**
 * The `ctx` of an action: no `db`; `runQuery` and `runMutation` each run in their own
 * transaction (with this action's identity), `runAction` runs another action, `scheduler`
 * schedules at once (no transaction to wait for). Actions are never retried.
 *
 * @example
 * export const notify = action({
 *   args: { url: v.string() },
 *   handler: async (ctx, { url }) => {
 *     const status = (await fetch(url, { method: "POST" })).status;
 *     await ctx.runMutation(internal.log.record, { status });
 *   },
 * });
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- the data model types the generated ctx (as in Convex)
export interface GenericActionCtx<TDataModel extends GenericDataModel> {
  /** Who is calling. */
  readonly auth: Auth;
  /** Run a query in its own read-only transaction. */
  readonly runQuery: RunQuery;
  /** Run a mutation in its own transaction (retried on conflicts, as over HTTP). */
  readonly runMutation: RunMutation;
  /** Run another action. */
  readonly runAction: RunAction;
  /** Schedule mutations and actions (created at once). */
  readonly scheduler: Scheduler;
}


import type { Auth, UserIdentity } from "../functions/context.js";
import { RulesDefinition } from "../rules/rules-definition.js";
import type { DocumentByName, GenericDataModel, TableNamesInDataModel } from "../schema/data-model.js";
import type { GenericDatabaseReader, NamedTableInfo } from "./database.js";
import type { ExpressionOrValue, FilterBuilder } from "./filter-builder.js";

/** What every rule receives: the caller's `auth`, and a `db` reader of the same transaction that is not subject to rules. */
export interface RuleCtx<TDataModel extends GenericDataModel> {
  auth: Auth;
  /** Reads without rules (membership lookups); a rule cannot write. */
  db: GenericDatabaseReader<TDataModel>;
}

/**
 * A read rule: a predicate run on each document in JavaScript (it may read other tables through
 * `ctx.db`), or `{ filter }`, a filter expression over the document (the identity is a value)
 * that compiles into every query's SQL and keeps using the index.
 */
export type ReadRule<TDataModel extends GenericDataModel, TTableName extends TableNamesInDataModel<TDataModel>> =
  | ((ctx: RuleCtx<TDataModel>, doc: DocumentByName<TDataModel, TTableName>) => boolean | Promise<boolean>)
  | {
      filter: (q: FilterBuilder<NamedTableInfo<TDataModel, TTableName>>, identity: UserIdentity | null) => ExpressionOrValue<boolean>;
    };

/** The rules of one table. An operation without a rule follows `defaultPolicy`. Only `true` allows. */
export interface TableRules<TDataModel extends GenericDataModel, TTableName extends TableNamesInDataModel<TDataModel>> {
  /** Which documents exist for the caller: denied ones are invisible to every read. */
  read?: ReadRule<TDataModel, TTableName>;
  /** May the caller insert `doc` (with its new `_id` and `_creationTime`)? */
  insert?: (ctx: RuleCtx<TDataModel>, doc: DocumentByName<TDataModel, TTableName>) => boolean | Promise<boolean>;
  /** May the caller change `oldDoc` into `newDoc` (`patch` and `replace`)? */
  update?: (
    ctx: RuleCtx<TDataModel>,
    oldDoc: DocumentByName<TDataModel, TTableName>,
    newDoc: DocumentByName<TDataModel, TTableName>,
  ) => boolean | Promise<boolean>;
  /** May the caller delete `doc`? */
  delete?: (ctx: RuleCtx<TDataModel>, doc: DocumentByName<TDataModel, TTableName>) => boolean | Promise<boolean>;
}

/** What `defineRules` takes: rules by table, and what applies where there is no rule. */
export type Rules<TDataModel extends GenericDataModel> = string extends TableNamesInDataModel<TDataModel>
  ? // an untyped data model (any table name)
    { defaultPolicy?: "allow" | "deny"; [table: string]: TableRules<TDataModel, string> | "allow" | "deny" | undefined }
  : {
      /** Operations without a rule (tables without rules included): `"allow"` (default) or `"deny"`. */
      defaultPolicy?: "allow" | "deny";
    } & { [TTableName in TableNamesInDataModel<TDataModel>]?: TableRules<TDataModel, TTableName> };

/** The type of `defineRules` for a data model (the generated `_generated/server` instantiates it). */
export type DefineRules<TDataModel extends GenericDataModel> = (rules: Rules<TDataModel>) => RulesDefinition<TDataModel>;

/**
 * Define the table rules of an app: the default export of `convoy/rules.ts`. Import the typed
 * `defineRules` from `./_generated/server`; this is its untyped form.
 *
 * @example
 * export default defineRules({
 *   defaultPolicy: "deny",
 *   notes: {
 *     read: { filter: (q, me) => q.or(q.eq(q.field("public"), true), q.eq(q.field("owner"), me?.subject ?? null)) },
 *     insert: async ({ auth }, doc) => doc.owner === (await auth.getUserIdentity())?.subject,
 *     update: async ({ auth }, oldDoc, newDoc) => oldDoc.owner === newDoc.owner && oldDoc.owner === (await auth.getUserIdentity())?.subject,
 *     delete: async ({ auth }, doc) => doc.owner === (await auth.getUserIdentity())?.subject,
 *   },
 * });
 */
export const defineRulesGeneric: DefineRules<GenericDataModel> = (rules) => new RulesDefinition(rules);

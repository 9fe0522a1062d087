import { FrameworkError } from "../errors/framework-error.js";
import type { Auth, UserIdentity } from "../functions/context.js";
import type { FilterBuilderImpl } from "../db/filter-builder.js";
import type { Document } from "../db/documents.js";
import type { GenericDataModel } from "../schema/data-model.js";
import type { GenericDatabaseReader } from "../server/database.js";

/** What every rule receives: the caller's `auth`, and a `db` reader of the same transaction that is not subject to rules. */
export interface AnyRuleCtx {
  auth: Auth;
  db: GenericDatabaseReader<GenericDataModel>;
}

/** A read rule run in JavaScript on each document (may read other tables through `ctx.db`). */
export type AnyReadPredicate = (ctx: AnyRuleCtx, doc: Document) => boolean | Promise<boolean>;

/** A read rule compiled into the query's SQL: a filter expression over the document, the identity a value. */
export interface AnyReadFilter {
  filter: (q: FilterBuilderImpl, identity: UserIdentity | null) => unknown;
}

/** The untyped rules of one table. */
export interface AnyTableRules {
  read?: AnyReadPredicate | AnyReadFilter;
  insert?: (ctx: AnyRuleCtx, doc: Document) => boolean | Promise<boolean>;
  update?: (ctx: AnyRuleCtx, oldDoc: Document, newDoc: Document) => boolean | Promise<boolean>;
  delete?: (ctx: AnyRuleCtx, doc: Document) => boolean | Promise<boolean>;
}

/** What applies to an operation that has no rule. */
export type DefaultPolicy = "allow" | "deny";

const OPERATIONS = new Set(["read", "insert", "update", "delete"]);

/**
 * The table rules of an app (the default export of `convoy/rules.ts`), as `defineRules` makes
 * them. `TDataModel` is type only.
 */
export class RulesDefinition<TDataModel extends GenericDataModel = GenericDataModel> {
  /** Type only. */
  declare readonly __dataModel?: TDataModel;
  /** What an operation without a rule does: `"allow"` (default) or `"deny"`. */
  readonly defaultPolicy: DefaultPolicy;
  /** Rules by table name. */
  readonly tables: ReadonlyMap<string, Readonly<AnyTableRules>>;

  constructor(spec: Record<string, unknown>) {
    if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw new FrameworkError("INTERNAL", "defineRules(rules): rules must be an object");
    const policy = spec.defaultPolicy ?? "allow";
    if (policy !== "allow" && policy !== "deny") throw new FrameworkError("INTERNAL", `defineRules: defaultPolicy must be "allow" or "deny", got ${JSON.stringify(policy)}`);
    this.defaultPolicy = policy;
    const tables = new Map<string, AnyTableRules>();
    for (const [name, rules] of Object.entries(spec)) {
      if (name === "defaultPolicy") continue;
      tables.set(name, checkTableRules(name, rules));
    }
    this.tables = tables;
  }
}

function checkTableRules(table: string, rules: unknown): AnyTableRules {
  if (typeof rules !== "object" || rules === null) throw new FrameworkError("INTERNAL", `defineRules: the rules of table "${table}" must be an object of read/insert/update/delete`);
  const checked: AnyTableRules = {};
  for (const [operation, rule] of Object.entries(rules)) {
    if (!OPERATIONS.has(operation)) throw new FrameworkError("INTERNAL", `defineRules: table "${table}": unknown rule "${operation}" (rules: read, insert, update, delete)`);
    if (rule === undefined) continue;
    const isFilter = operation === "read" && typeof rule === "object" && rule !== null && typeof (rule as { filter?: unknown }).filter === "function";
    if (typeof rule !== "function" && !isFilter) {
      throw new FrameworkError(
        "INTERNAL",
        `defineRules: table "${table}": ${operation} must be a function${operation === "read" ? " (a predicate) or { filter: (q, identity) => expression }" : ""}`,
      );
    }
    (checked as Record<string, unknown>)[operation] = rule;
  }
  return checked;
}

/** Whether a value is a {@link RulesDefinition} (the default export of `rules.ts`). */
export function isRulesDefinition(value: unknown): value is RulesDefinition {
  return value instanceof RulesDefinition;
}

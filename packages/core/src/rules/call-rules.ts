import type { DatabaseRules, ReadRule } from "../db/database-rules.js";
import type { Document } from "../db/documents.js";
import { FilterBuilderImpl, FilterExpression } from "../db/filter-builder.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { UserIdentity } from "../functions/context.js";
import type { GenericDatabaseReader } from "../server/database.js";
import type { GenericDataModel } from "../schema/data-model.js";
import type { AnyRuleCtx, RulesDefinition } from "./rules-definition.js";

const DENY_ALL: ReadRule = { kind: "filter", node: { kind: "literal", value: false } };

/**
 * The rules of one call attempt: the definition bound to the caller's identity and to a reader
 * of the same transaction that is not subject to rules. Filter rules are built once per table.
 */
export class CallRules implements DatabaseRules {
  private readonly readRules = new Map<string, ReadRule | undefined>();
  private ruleCtx: AnyRuleCtx | undefined;

  constructor(
    private readonly definition: RulesDefinition,
    private readonly identity: UserIdentity | null,
    private readonly makeReader: () => GenericDatabaseReader<GenericDataModel>,
  ) {}

  readRule(table: string): ReadRule | undefined {
    if (this.readRules.has(table)) return this.readRules.get(table);
    const rule = this.buildReadRule(table);
    this.readRules.set(table, rule);
    return rule;
  }

  async checkInsert(table: string, document: Document): Promise<void> {
    const rule = this.definition.tables.get(table)?.insert;
    await this.check(table, "insert into", rule === undefined ? undefined : () => rule(this.ctx(), document));
  }

  async checkUpdate(table: string, oldDocument: Document, newDocument: Document): Promise<void> {
    const rule = this.definition.tables.get(table)?.update;
    await this.check(table, `update of ${oldDocument._id} in`, rule === undefined ? undefined : () => rule(this.ctx(), oldDocument, newDocument));
  }

  async checkDelete(table: string, document: Document): Promise<void> {
    const rule = this.definition.tables.get(table)?.delete;
    await this.check(table, `delete of ${document._id} from`, rule === undefined ? undefined : () => rule(this.ctx(), document));
  }

  /** Only `true` allows: a rule that returns anything else denies. */
  private async check(table: string, what: string, run: (() => boolean | Promise<boolean>) | undefined): Promise<void> {
    const allowed = run === undefined ? this.definition.defaultPolicy === "allow" : (await run()) === true; // eslint-disable-line @typescript-eslint/no-unnecessary-boolean-literal-compare -- user code may return anything
    if (!allowed) {
      const why = run === undefined ? `the table has no such rule and defaultPolicy is "deny"` : "denied by the table's rules";
      throw new FrameworkError("FORBIDDEN", `${what} table "${table}": ${why}`);
    }
  }

  private buildReadRule(table: string): ReadRule | undefined {
    const rule = this.definition.tables.get(table)?.read;
    if (rule === undefined) return this.definition.defaultPolicy === "allow" ? undefined : DENY_ALL;
    if (typeof rule === "function") {
      return { kind: "predicate", allows: async (document) => (await rule(this.ctx(), document)) === true }; // eslint-disable-line @typescript-eslint/no-unnecessary-boolean-literal-compare -- user code may return anything
    }
    const result = rule.filter(new FilterBuilderImpl(), this.identity);
    return { kind: "filter", node: result instanceof FilterExpression ? result.node : { kind: "literal", value: result === true } };
  }

  private ctx(): AnyRuleCtx {
    const identity = this.identity;
    this.ruleCtx ??= Object.freeze({ auth: Object.freeze({ getUserIdentity: () => Promise.resolve(identity) }), db: this.makeReader() });
    return this.ruleCtx;
  }
}

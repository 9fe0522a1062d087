import type { DatabaseRules } from "../db/database-rules.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { UserIdentity } from "../functions/context.js";
import type { GenericDataModel } from "../schema/data-model.js";
import type { GenericDatabaseReader } from "../server/database.js";
import type { Catalog } from "../storage/catalog.js";
import { CallRules } from "./call-rules.js";
import { isRulesDefinition, type RulesDefinition } from "./rules-definition.js";

/** An app's rules checked against its schema, handing out the rules of each call attempt. */
export class RulesEngine {
  constructor(readonly definition: RulesDefinition) {}

  /**
   * Checks that every table named by the rules is a table of the schema (any name, when tables
   * outside the schema are allowed: they are created on first insert). Throws `INTERNAL` otherwise.
   */
  static create(definition: unknown, catalog: Catalog): RulesEngine {
    if (!isRulesDefinition(definition)) throw new FrameworkError("INTERNAL", "rules must be the default export of rules.ts (defineRules(...))");
    for (const table of definition.tables.keys()) {
      if (!catalog.tables.has(table) && catalog.strictTableNames) {
        const known = [...catalog.tables.keys()].map((name) => JSON.stringify(name)).join(", ");
        throw new FrameworkError("INTERNAL", `rules.ts: table "${table}" is not a table of the schema (tables: ${known || "none"})`);
      }
    }
    return new RulesEngine(definition);
  }

  /** Whether these rules allow every operation (no table rule, `defaultPolicy: "allow"`): the runtime then runs no rule code at all. */
  get allowsEverything(): boolean {
    return this.definition.tables.size === 0 && this.definition.defaultPolicy === "allow";
  }

  /** The rules of one call attempt (its nested calls share them): bound to the caller and to a reader without rules. */
  bind(identity: UserIdentity | null, makeReader: () => GenericDatabaseReader<GenericDataModel>): DatabaseRules {
    return new CallRules(this.definition, identity, makeReader);
  }
}

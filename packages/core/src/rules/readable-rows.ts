import { compileRowsFilter } from "../db/query-compiler.js";
import { decodeRow, type DocumentRow } from "../db/documents.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { UserIdentity } from "../functions/context.js";
import type { Runtime } from "../runtime/runtime.js";
import type { GenericDatabaseReader } from "../server/database.js";
import type { GenericDataModel } from "../schema/data-model.js";
import type { RulesDefinition } from "./rules-definition.js";
import { RulesEngine } from "./rules-engine.js";

/** A whole row of a Convoy table as it is stored: `_id`, `_creation_time`, the `data` column and any promoted column (jsonb columns as JSON values). */
export type StoredRow = DocumentRow;

/**
 * Which of `rows` the read rule of `table` lets `identity` see, one boolean per row, decided
 * exactly as `ctx.db` decides: a filter rule is compiled by the query compiler and evaluated by
 * Postgres over the given rows' values (not over the table's current rows), a predicate runs on
 * each decoded document with a reader not subject to rules. For adapters that serve rows outside
 * `ctx.db`, such as `@convoy/electric`'s shape proxy. Throws `NOT_FOUND` for an unknown table.
 */
export async function readableRows(runtime: Runtime, rules: RulesDefinition | undefined, identity: UserIdentity | null, table: string, rows: readonly StoredRow[]): Promise<boolean[]> {
  const catalogTable = runtime.catalog.tables.get(table);
  if (catalogTable === undefined) throw new FrameworkError("NOT_FOUND", `table "${table}" is not a table of the schema`);
  if (rules === undefined || rows.length === 0) return rows.map(() => true);
  const engine = new RulesEngine(rules);
  const noReader = (): GenericDatabaseReader<GenericDataModel> => {
    throw new FrameworkError("INTERNAL", "a filter read rule has no reader");
  };
  const rule = engine.bind(identity, noReader).readRule(table);
  if (rule === undefined) return rows.map(() => true);
  if (rule.kind === "filter") {
    const { sql, params } = compileRowsFilter(catalogTable, rule.node, rows);
    const { rows: answers } = await runtime.driver.query<{ allowed: boolean }>(sql, params);
    return answers.map((answer) => answer.allowed);
  }
  const { value } = await runtime.runHandler("query", async (ctx) => {
    const predicate = engine.bind(identity, () => ctx.db).readRule(table);
    if (predicate?.kind !== "predicate") throw new FrameworkError("INTERNAL", "the read rule changed kind");
    const allowed: boolean[] = [];
    for (const row of rows) allowed.push(await predicate.allows(decodeRow(row, catalogTable)));
    return allowed;
  });
  return value;
}

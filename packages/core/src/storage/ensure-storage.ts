import type { Driver, Queryable } from "../driver/index.js";
import { schemaHash } from "../schema/schema-definition.js";
import type { SchemaJSON } from "../schema/schema-json.js";
import { DEFAULT_PG_SCHEMA, META_TABLE } from "../sync/ddl.js";
import { syncInTransaction } from "../sync/run-sync.js";

export { DEFAULT_PG_SCHEMA, createIndexSql, createTableSql } from "../sync/ddl.js";

/** Where Convoy's tables live. */
export interface StorageOptions {
  /** The Postgres schema of the user's tables (default `public`). */
  schema?: string;
}

/** One DDL statement that "ensure" ran, with what it was for. */
export interface EnsureStep {
  description: string;
  sql: string;
  params?: unknown[];
}

/** The secret that signs this database's pagination cursors (created by {@link ensureStorage}). */
export async function loadCursorSecret(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ value: string }>(`SELECT value FROM ${META_TABLE} WHERE key = 'cursor_secret'`);
  if (rows[0] === undefined) throw new Error("Convoy's bookkeeping is missing: run ensureStorage first");
  return rows[0].value;
}

/**
 * `convoy dev`'s automatic schema changes, through the one sync planner: creates whatever the
 * schema needs and the database lacks (Convoy's bookkeeping, the SQL functions, tables,
 * indexes), rebuilds INVALID indexes and replaces indexes whose definition changed (new built
 * before old dropped), then records the schema hash (so `convoy start` accepts the database).
 * Never drops a table, index or field, and does not check existing documents against changed
 * validators (writes are validated; `convoy sync` checks). One transaction under the sync
 * advisory lock, so concurrent servers do not race. Returns the statements it ran (none the
 * second time).
 */
export async function ensureStorage(driver: Driver, schema: SchemaJSON, options: StorageOptions = {}): Promise<EnsureStep[]> {
  const pgSchema = options.schema ?? DEFAULT_PG_SCHEMA;
  const result = await driver.transaction({ isolation: "read committed" }, async (tx) => {
    const outcome = await syncInTransaction(tx, { json: schema, hash: schemaHash(schema) }, { pgSchema, source: "dev", skipDocumentChecks: true });
    if (outcome.outcome === "failed") throw outcome.error ?? new Error("could not apply the schema");
    return outcome;
  });
  if (result.outcome !== "applied") return [];
  return result.plan.steps.flatMap((step) =>
    step.statements.map((statement) => ({ description: statement.description, sql: statement.sql, ...(statement.params === undefined ? {} : { params: statement.params }) })),
  );
}

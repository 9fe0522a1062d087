import type { Driver, Queryable } from "../driver/index.js";
import { FrameworkError } from "../errors/framework-error.js";
import { checkTableName } from "../schema/names.js";
import type { Catalog } from "../storage/catalog.js";
import { addCatalogTable, dynamicCatalogTable, loadDynamicTables } from "../storage/dynamic-tables.js";
import { tableTag } from "../storage/ids.js";
import { indexNameFor } from "../storage/index-names.js";
import { TABLES_TABLE, createIndexSql, createTableSql } from "../storage/layout.js";
import { MAX_IDENTIFIER_LENGTH } from "../storage/sql/identifiers.js";
import { writeTriggerBody, writeTriggerStatements } from "./write-triggers.js";

/** The indexes of a schemaless table (its external-write trigger needs them). */
const SYSTEM_INDEXES = [
  { name: "by_id", fields: ["_id"] },
  { name: "by_creation_time", fields: [] },
];

/**
 * Creates a table outside the schema (its first insert, on a non-strict catalog) and adds it
 * to the catalog: the table, its `by_creation_time` index, its registration in `convoy.tables`
 * and its external-write triggers, in one short transaction of its own, never the caller's.
 * Concurrent first inserts (on this server or others) are serialised by an advisory lock on the
 * table's name; every statement is idempotent, so each of them succeeds. Throws `BAD_REQUEST`
 * for a name that cannot be a table, or one whose id tag is another table's.
 */
export async function createDynamicTable(driver: Driver, catalog: Catalog, name: string): Promise<void> {
  checkDynamicTableName(name);
  const { pgSchema } = catalog;
  await driver.transaction({}, async (tx) => {
    await lockTableCreation(tx, pgSchema, name);
    await loadDynamicTables(tx, catalog);
    if (catalog.tables.has(name)) return;
    const other = catalog.tablesByTag.get(tableTag(name));
    if (other !== undefined) throw new FrameworkError("BAD_REQUEST", `cannot create table ${JSON.stringify(name)}: its ids would be indistinguishable from table "${other.name}"'s; use another name`);
    await createSchemalessTable(tx, pgSchema, name);
  });
  if (!catalog.tables.has(name)) addCatalogTable(catalog, dynamicCatalogTable(pgSchema, name));
}

/** Throws `BAD_REQUEST` for a name that cannot be a table (see schema/names.ts). */
export function checkDynamicTableName(name: string): void {
  try {
    checkTableName(name);
  } catch (error) {
    throw new FrameworkError("BAD_REQUEST", `cannot create table ${JSON.stringify(name)}: ${(error as Error).message.replace(/^invalid schema: /, "")}`);
  }
  if (indexNameFor(name, "by_creation_time").length > MAX_IDENTIFIER_LENGTH) {
    throw new FrameworkError("BAD_REQUEST", `cannot create table ${JSON.stringify(name)}: the name is too long for its index names`);
  }
}

/**
 * The DDL of a schemaless table, run in the caller's transaction (idempotent): the table, its
 * `by_creation_time` index, its registration and its external-write triggers. The caller holds
 * the table's advisory lock ({@link lockTableCreation}).
 */
export async function createSchemalessTable(tx: Queryable, pgSchema: string, name: string): Promise<void> {
  await tx.query(createTableSql(pgSchema, name));
  await tx.query(createIndexSql(pgSchema, name, "by_creation_time", []));
  await tx.query(`INSERT INTO ${TABLES_TABLE} (pg_schema, table_name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [pgSchema, name]);
  for (const statement of writeTriggerStatements(pgSchema, name, writeTriggerBody(pgSchema, name, SYSTEM_INDEXES, new Map()))) await tx.query(statement);
}

/** Serialises the creation of one table (held until the transaction ends). */
export async function lockTableCreation(tx: Queryable, pgSchema: string, name: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`convoy.create_table:${pgSchema}.${name}`]);
}

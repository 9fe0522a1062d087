import type { Queryable } from "../driver/index.js";
import { v } from "../values/index.js";
import type { GenericValidator } from "../values/validators.js";
import type { Catalog, CatalogIndex, CatalogTable } from "./catalog.js";
import { tableTag } from "./ids.js";
import { TABLES_TABLE } from "./layout.js";
import { loadRecordedColumns } from "./recorded-columns.js";
import { qualified } from "./sql/identifiers.js";
import { CONVOY_SCHEMA } from "./sql/sort-key-function.js";
import { DOCUMENT_STORAGE, tableStorage, type TableStorage } from "./table-storage.js";

/*
 * Tables outside the schema (a schema with `strictTableNameTypes: false`, and every table of an
 * app without `schema.ts`), as Convex has them: schemaless (any document), with only `by_id`
 * and `by_creation_time`, created on their first insert (schema-sync/dynamic-table.ts). The
 * catalog's maps grow as such tables appear; a name the catalog does not know is looked up in
 * `convoy.tables` (another server may have created it) and, when absent, reads as empty.
 */

const ANY_DOCUMENT = v.any() as GenericValidator;

function systemIndexes(): Map<string, CatalogIndex> {
  return new Map<string, CatalogIndex>([
    ["by_id", { name: "by_id", fields: ["_id"] }],
    ["by_creation_time", { name: "by_creation_time", fields: [] }],
  ]);
}

/** The catalog entry of a schemaless table (`storage`: its promoted columns, if any were recorded). */
export function dynamicCatalogTable(pgSchema: string, name: string, storage: TableStorage = DOCUMENT_STORAGE): CatalogTable {
  return { name, sqlName: qualified(pgSchema, name), validator: ANY_DOCUMENT, indexes: systemIndexes(), tag: tableTag(name), storage };
}

/**
 * A table that does not exist yet, read as empty: its `sqlName` is an empty relation with a
 * table's columns, so every read statement runs unchanged and finds nothing.
 */
export function absentCatalogTable(name: string): CatalogTable {
  const empty = `(SELECT NULL::text AS "_id", NULL::double precision AS "_creation_time", NULL::jsonb AS "data" WHERE false) AS "absent_table"`;
  return { name, sqlName: empty, validator: ANY_DOCUMENT, indexes: systemIndexes(), tag: tableTag(name), storage: DOCUMENT_STORAGE, absent: true };
}

/** Adds a table to the catalog's maps (they are the same objects every engine holds). */
export function addCatalogTable(catalog: Catalog, table: CatalogTable): void {
  (catalog.tables as Map<string, CatalogTable>).set(table.name, table);
  (catalog.tablesByTag as Map<number, CatalogTable>).set(table.tag, table);
}

/**
 * Adds to a non-strict catalog every table `convoy.tables` registers that it lacks (made by
 * another server, an import, or an earlier schema). Returns the names added.
 */
export async function loadDynamicTables(q: Queryable, catalog: Catalog): Promise<string[]> {
  if (catalog.strictTableNames) return [];
  const { rows: bookkeeping } = await q.query<{ present: boolean }>("SELECT to_regclass($1) IS NOT NULL AS present", [`${CONVOY_SCHEMA}.tables`]);
  if (bookkeeping[0]?.present !== true) return []; // requireStorage says what is missing
  const { rows } = await q.query<{ table_name: string }>(
    `SELECT r.table_name FROM ${TABLES_TABLE} r WHERE r.pg_schema = $1 AND to_regclass(quote_ident(r.pg_schema) || '.' || quote_ident(r.table_name)) IS NOT NULL ORDER BY r.table_name`,
    [catalog.pgSchema],
  );
  const missing = rows.map((row) => row.table_name).filter((name) => !catalog.tables.has(name));
  if (missing.length === 0) return [];
  const recorded = await loadRecordedColumns(q, catalog.pgSchema);
  for (const name of missing) addCatalogTable(catalog, dynamicCatalogTable(catalog.pgSchema, name, tableStorage(recorded.get(name))));
  return missing;
}

/**
 * What `ctx.db` asks the runtime for when it meets a table the catalog does not know: create
 * it (an insert), look it up (a read), or reload the tables for an id of an unknown table. The
 * attempt is doomed (it never commits, even if user code catches this); the runtime answers
 * outside the call's transaction and runs the call again. Never reaches a caller.
 */
export class TableLookup extends Error {
  constructor(
    readonly request: "create" | "resolve" | "reload",
    readonly table: string,
  ) {
    super(`convoy: table ${JSON.stringify(table)} is not in the catalog yet (${request}); the call runs again`);
    this.name = "TableLookup";
  }
}

/** What one call has learnt about tables outside the catalog (kept across its attempts). */
export class TableLookups {
  /** Names looked up and not found: they read as empty in this call. */
  readonly absent = new Set<string>();
  /** Whether this call already reloaded the tables for an id of an unknown table. */
  reloaded = false;
  /** How many lookups this call made (bounded by the runtime). */
  count = 0;
}

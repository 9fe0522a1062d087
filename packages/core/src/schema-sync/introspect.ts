import type { Queryable } from "../driver/index.js";
import type { SchemaJSON } from "../schema/schema-json.js";
import { ARITH_FUNCTION } from "../storage/sql/filter-functions.js";
import { CONVOY_SCHEMA, SORT_KEY_FUNCTION } from "../storage/sql/sort-key-function.js";
import { quoteIdent } from "../storage/sql/identifiers.js";
import { loadRecordedColumns } from "../storage/recorded-columns.js";
import { PROMOTIONS_TABLE_NAME, loadPromotions, type RecordedPromotion, type RecordedPromotions } from "../storage/promoted-column.js";
import { tableStorage, type RecordedColumns } from "../storage/table-storage.js";
import { META_TABLE, REQUEST_LOG_TABLE_NAME, SCHEDULED_FUNCTIONS_TABLE_NAME, SCHEMA_HASH_KEY, SCHEMA_JSON_KEY, TABLES_TABLE, createTableSql } from "../storage/layout.js";
import { parseIndexComment, type IndexComment } from "./ddl.js";

/** A column as Postgres reports it. */
export interface IntrospectedColumn {
  name: string;
  /** `format_type` (e.g. `text`, `double precision`, `jsonb`). */
  type: string;
  /** Collation name when it is not the type's default (`C`), else `null`. */
  collation: string | null;
  /** A `GENERATED ALWAYS AS (…) STORED` column (Convoy's key columns). */
  generated?: boolean;
}

/** An index as Postgres reports it. */
export interface IntrospectedIndex {
  name: string;
  /** `pg_get_indexdef`: the exact definition, expressions included. */
  definition: string;
  /** `pg_index.indisvalid`: `false` after a failed `CREATE INDEX CONCURRENTLY`. */
  valid: boolean;
  primary: boolean;
  /** The definition Convoy recorded when it built the index (`null`: none, e.g. built by hand or by an older Convoy). */
  recorded: IndexComment | null;
}

/** An ordinary table of the user's Postgres schema. */
export interface IntrospectedTable {
  name: string;
  columns: IntrospectedColumn[];
  indexes: IntrospectedIndex[];
}

/** Everything sync needs to know about a database, read in one go. */
export interface DatabaseState {
  pgSchema: string;
  /** `convoy.meta`, `convoy.tables` and `convoy.sync_log` all exist. */
  hasBookkeeping: boolean;
  /** Whether `convoy.request_log` exists (added after the rest of the bookkeeping; absent = assumed present). */
  hasRequestLog?: boolean;
  /** Whether the scheduler's tables exist (databases synced before the scheduler lack them). */
  hasScheduler?: boolean;
  /** Whether `convoy.promotions` exists (databases synced before M4 lack it; absent = assumed present). */
  hasPromotions?: boolean;
  /** The promotions `convoy.promotions` records for this Postgres schema (absent or empty: none). */
  promotions?: RecordedPromotions;
  hasSortKeyFunction: boolean;
  hasFilterFunctions: boolean;
  hasUserSchema: boolean;
  /** Promoted fields `convoy.columns` records, by table (absent or empty: none). */
  recordedColumns?: RecordedColumns;
  /** Tables listed in `convoy.tables` for this Postgres schema. */
  registeredTables: Set<string>;
  /** The schema the database was last synced to (`null`: never). */
  storedHash: string | null;
  storedSchema: SchemaJSON | null;
  /** Every ordinary table of the Postgres schema, Convoy's or not. */
  tables: Map<string, IntrospectedTable>;
  /**
   * Postgres's own rendering (`USING btree (…)`) of index definitions Convoy would write, for
   * indexes without a recorded definition (see {@link introspect}'s `probe`).
   */
  canonicalDefinitions: Map<string, string>;
}

/** The part of a `pg_get_indexdef` after the table: `btree (…)`, comparable between tables. */
export function indexMethodAndColumns(definition: string): string {
  const at = definition.indexOf(" USING ");
  return at === -1 ? definition : definition.slice(at + " USING ".length);
}

/**
 * Reads the database: Convoy's bookkeeping, the tables of `pgSchema` with their columns, and
 * their indexes with exact definitions, validity and recorded definitions. Changes nothing.
 *
 * `probe(name)` returns the definition (columns SQL) Convoy expects for an index name, if any.
 * For indexes that exist without a recorded definition, the expected definition is rendered
 * by Postgres itself on an empty temporary table inside a savepoint that is rolled back, so
 * the comparison is exact. Must run inside a transaction.
 */
export async function introspect(q: Queryable, pgSchema: string, probe: (tableName: string, indexName: string) => string | undefined = () => undefined): Promise<DatabaseState> {
  const meta = await q.query<{ meta: boolean; tables: boolean; log: boolean; fn: boolean; arith: boolean; user_schema: boolean; request_log: boolean; scheduler: boolean; promotions: boolean }>(
    `SELECT to_regclass($1) IS NOT NULL AS meta,
            to_regclass($2) IS NOT NULL AS tables,
            to_regclass($3) IS NOT NULL AS log,
            to_regprocedure($4) IS NOT NULL AS fn,
            to_regprocedure($5) IS NOT NULL AS arith,
            EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $6) AS user_schema,
            to_regclass($7) IS NOT NULL AS request_log,
            to_regclass($8) IS NOT NULL AS scheduler,
            to_regclass($9) IS NOT NULL AS promotions`,
    [`${CONVOY_SCHEMA}.meta`, `${CONVOY_SCHEMA}.tables`, `${CONVOY_SCHEMA}.sync_log`, `${SORT_KEY_FUNCTION}(jsonb)`, `${ARITH_FUNCTION}(text,jsonb,jsonb)`, pgSchema, `${CONVOY_SCHEMA}.${REQUEST_LOG_TABLE_NAME}`, `${CONVOY_SCHEMA}.${SCHEDULED_FUNCTIONS_TABLE_NAME}`, `${CONVOY_SCHEMA}.${PROMOTIONS_TABLE_NAME}`],
  );
  const flags = meta.rows[0]!;
  const registeredTables = new Set<string>();
  if (flags.tables) {
    const { rows } = await q.query<{ table_name: string }>(`SELECT table_name FROM ${TABLES_TABLE} WHERE pg_schema = $1`, [pgSchema]);
    for (const row of rows) registeredTables.add(row.table_name);
  }
  let storedHash: string | null = null;
  let storedSchema: SchemaJSON | null = null;
  if (flags.meta) {
    const { rows } = await q.query<{ key: string; value: string }>(`SELECT key, value FROM ${META_TABLE} WHERE key IN ($1, $2)`, [SCHEMA_HASH_KEY, SCHEMA_JSON_KEY]);
    for (const row of rows) {
      if (row.key === SCHEMA_HASH_KEY) storedHash = row.value;
      else storedSchema = JSON.parse(row.value) as SchemaJSON;
    }
  }

  const tables = new Map<string, IntrospectedTable>();
  const tableRows = await q.query<{ name: string; columns: IntrospectedColumn[] }>(
    `SELECT c.relname AS name,
            COALESCE((SELECT json_agg(json_build_object(
                        'name', a.attname,
                        'type', format_type(a.atttypid, a.atttypmod),
                        'collation', CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname END,
                        'generated', a.attgenerated = 's')
                      ORDER BY a.attnum)
                      FROM pg_attribute a
                      JOIN pg_type t ON t.oid = a.atttypid
                      LEFT JOIN pg_collation co ON co.oid = a.attcollation
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]'::json) AS columns
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`,
    [pgSchema],
  );
  for (const row of tableRows.rows) tables.set(row.name, { name: row.name, columns: row.columns, indexes: [] });
  const indexRows = await q.query<{ table_name: string; name: string; definition: string; valid: boolean; primary: boolean; comment: string | null }>(
    `SELECT t.relname AS table_name, i.relname AS name, pg_get_indexdef(i.oid) AS definition,
            x.indisvalid AS valid, x.indisprimary AS primary, obj_description(i.oid, 'pg_class') AS comment
     FROM pg_index x
     JOIN pg_class i ON i.oid = x.indexrelid
     JOIN pg_class t ON t.oid = x.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = $1`,
    [pgSchema],
  );
  for (const row of indexRows.rows) {
    tables.get(row.table_name)?.indexes.push({ name: row.name, definition: row.definition, valid: row.valid, primary: row.primary, recorded: parseIndexComment(row.comment) });
  }
  for (const table of tables.values()) table.indexes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const toProbe = new Set<string>();
  for (const table of tables.values()) {
    for (const index of table.indexes) {
      if (index.recorded !== null || !index.valid) continue;
      const expected = probe(table.name, index.name);
      if (expected !== undefined) toProbe.add(expected);
    }
  }
  const promotions = flags.promotions ? await loadPromotions(q, pgSchema) : new Map<string, Map<string, RecordedPromotion>>();
  const recordedColumns = flags.tables ? await loadRecordedColumns(q, pgSchema) : new Map<string, ReadonlyMap<string, string>>();
  const canonicalDefinitions = toProbe.size > 0 && flags.fn ? await renderDefinitions(q, [...toProbe], recordedColumns) : new Map<string, string>();

  return {
    pgSchema,
    hasBookkeeping: flags.meta && flags.tables && flags.log,
    hasSortKeyFunction: flags.fn,
    hasFilterFunctions: flags.arith,
    hasUserSchema: flags.user_schema,
    hasRequestLog: flags.request_log,
    hasScheduler: flags.scheduler,
    hasPromotions: flags.promotions,
    promotions,
    registeredTables,
    recordedColumns,
    storedHash,
    storedSchema,
    tables,
    canonicalDefinitions,
  };
}

/** Has Postgres render each index definition (columns SQL) on an empty temporary table, then rolls it all back. */
async function renderDefinitions(q: Queryable, definitions: string[], recordedColumns: RecordedColumns): Promise<Map<string, string>> {
  const rendered = new Map<string, string>();
  // the probe table has every column a definition may name: the document column and each promoted column
  const promoted = [...recordedColumns.values()].flatMap((columns) => [...columns.values()]);
  await q.query("SAVEPOINT convoy_probe");
  try {
    // and each key column a definition names (plain bytea columns: only the index definition matters)
    const keys = new Set(definitions.flatMap((definition) => [...definition.matchAll(/"(_key_[a-z0-9_]+)"/g)].map((match) => match[1]!)));
    await q.query(createTableSql("pg_temp", "convoy_probe", tableStorage(new Map(promoted.map((column) => [column, column])))));
    for (const key of keys) await q.query(`ALTER TABLE pg_temp."convoy_probe" ADD COLUMN ${quoteIdent(key)} bytea`);
    for (const [i, definition] of definitions.entries()) {
      await q.query(`CREATE INDEX "convoy_probe_${String(i)}" ON pg_temp."convoy_probe" (${definition})`);
    }
    const { rows } = await q.query<{ name: string; definition: string }>(
      `SELECT c.relname AS name, pg_get_indexdef(c.oid) AS definition FROM pg_class c WHERE c.relnamespace = pg_my_temp_schema() AND c.relname LIKE 'convoy\\_probe\\_%'`,
    );
    for (const row of rows) {
      const definition = definitions[Number(row.name.slice("convoy_probe_".length))];
      if (definition !== undefined) rendered.set(definition, indexMethodAndColumns(row.definition));
    }
  } finally {
    await q.query("ROLLBACK TO SAVEPOINT convoy_probe");
    await q.query("RELEASE SAVEPOINT convoy_probe");
  }
  return rendered;
}

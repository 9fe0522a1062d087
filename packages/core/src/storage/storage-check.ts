import type { Queryable } from "../driver/index.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { Catalog } from "./catalog.js";
import { indexNameFor } from "./index-names.js";
import { promotedIndexName } from "./promoted-column.js";
import { CURSOR_SECRET_KEY, META_TABLE } from "./layout.js";
import { CONVOY_SCHEMA } from "./sql/sort-key-function.js";

const SYNC_HINT = "run `convoy sync` (or let `convoy dev` apply the schema) before serving";

/** The secret that signs this database's pagination cursors (created by `convoy sync` with Convoy's bookkeeping). */
export async function loadCursorSecret(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ value: string }>(`SELECT value FROM ${META_TABLE} WHERE key = $1`, [CURSOR_SECRET_KEY]);
  if (rows[0] === undefined) throw new FrameworkError("UNAVAILABLE", `Convoy's bookkeeping has no cursor secret: ${SYNC_HINT}`);
  return rows[0].value;
}

/**
 * What a runtime needs before it serves, checked read-only (the runtime never creates it):
 * Convoy's bookkeeping, and every table, key column and index of the catalog (the
 * column-backed `__c` index of an index over a switched promoted field). Throws an `UNAVAILABLE`
 * `FrameworkError` naming what is missing and telling to run `convoy sync`.
 */
export async function requireStorage(q: Queryable, catalog: Catalog): Promise<void> {
  const bookkeeping = await q.query<{ ok: boolean }>("SELECT to_regclass($1) IS NOT NULL AS ok", [`${CONVOY_SCHEMA}.meta`]);
  if (bookkeeping.rows[0]?.ok !== true) {
    throw new FrameworkError("UNAVAILABLE", `the database has no Convoy bookkeeping (schema "${CONVOY_SCHEMA}"): ${SYNC_HINT}`);
  }
  const tables = [...catalog.tables.values()];
  if (tables.length === 0) return;
  const { rows } = await q.query<{ table_name: string; index_name: string | null }>(
    `SELECT t.relname AS table_name, i.relname AS index_name
       FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace
       LEFT JOIN pg_index x ON x.indrelid = t.oid LEFT JOIN pg_class i ON i.oid = x.indexrelid
      WHERE n.nspname = $1 AND t.relkind IN ('r', 'p') AND t.relname IN (SELECT jsonb_array_elements_text($2::jsonb))`,
    [catalog.pgSchema, JSON.stringify(tables.map((table) => table.name))],
  );
  const present = new Map<string, Set<string>>();
  for (const row of rows) {
    const indexes = present.get(row.table_name) ?? new Set<string>();
    if (row.index_name !== null) indexes.add(row.index_name);
    present.set(row.table_name, indexes);
  }
  const generated = await q.query<{ table_name: string; column_name: string }>(
    `SELECT t.relname AS table_name, a.attname AS column_name
       FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = $1 AND t.relkind IN ('r', 'p') AND t.relname IN (SELECT jsonb_array_elements_text($2::jsonb))
        AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = 's'`,
    [catalog.pgSchema, JSON.stringify(tables.map((table) => table.name))],
  );
  const keyColumns = new Set(generated.rows.map((row) => `${row.table_name}\0${row.column_name}`));
  const missing: string[] = [];
  for (const table of tables) {
    const indexes = present.get(table.name);
    if (indexes === undefined) {
      missing.push(`table ${table.name}`);
      continue;
    }
    for (const [path, column] of table.storage.keyColumns) {
      if (!keyColumns.has(`${table.name}\0${column}`)) missing.push(`key column ${table.name}.${column} (of ${JSON.stringify(path)})`);
    }
    for (const index of table.indexes.values()) {
      if (index.name === "by_id") continue;
      // an index over a switched promoted field is read through its column-backed twin
      const promoted = index.fields.some((field) => table.storage.promotedFields.has(field));
      const name = promoted ? promotedIndexName(table.name, index.name) : indexNameFor(table.name, index.name);
      if (!indexes.has(name)) missing.push(promoted ? `column-backed index ${name} of ${table.name}.${index.name}` : `index ${table.name}.${index.name}`);
    }
  }
  if (missing.length > 0) {
    const shown = missing.length > 10 ? [...missing.slice(0, 10), `and ${String(missing.length - 10)} more`] : missing;
    throw new FrameworkError("UNAVAILABLE", `the database lacks what the schema needs (${shown.join(", ")}) in Postgres schema "${catalog.pgSchema}": ${SYNC_HINT}`);
  }
}

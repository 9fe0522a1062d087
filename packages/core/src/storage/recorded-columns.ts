import type { Queryable } from "../driver/index.js";
import { COLUMNS_TABLE, COLUMNS_TABLE_NAME } from "./layout.js";
import { CONVOY_SCHEMA } from "./sql/sort-key-function.js";
import type { RecordedColumns } from "./table-storage.js";

/**
 * The promoted columns `convoy.columns` records for the tables of `pgSchema` (none when the
 * database predates that bookkeeping table).
 */
export async function loadRecordedColumns(q: Queryable, pgSchema: string): Promise<RecordedColumns> {
  const { rows: exists } = await q.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [`${CONVOY_SCHEMA}.${COLUMNS_TABLE_NAME}`]);
  const recorded = new Map<string, Map<string, string>>();
  if (exists[0]?.present !== true) return recorded;
  const { rows } = await q.query<{ table_name: string; field: string; column_name: string }>(
    `SELECT table_name, field, column_name FROM ${COLUMNS_TABLE} WHERE pg_schema = $1 ORDER BY table_name, field`,
    [pgSchema],
  );
  for (const row of rows) {
    let columns = recorded.get(row.table_name);
    if (columns === undefined) recorded.set(row.table_name, (columns = new Map<string, string>()));
    columns.set(row.field, row.column_name);
  }
  return recorded;
}

import { quoteName } from "./sql/identifiers.js";
import type { CatalogTable } from "./catalog.js";

/** The row statements of a table, derived from its storage layout. */
export interface RowSql {
  /** The quoted columns a row is read with (`"_id", "_creation_time", "data", …`). */
  select: string;
  /** `INSERT …` with `$1` = `_id`, `$2` = `_creation_time`, then one `jsonb` parameter per writable column. */
  insert: string;
  /** `UPDATE … WHERE "_id" = $1`, one `jsonb` parameter per writable column from `$2`. */
  update: string;
  /** `SELECT <row> … WHERE "_id" = $1`. */
  get: string;
  /** `DELETE … WHERE "_id" = $1 RETURNING <row>`. */
  delete: string;
}

const statements = new WeakMap<CatalogTable, RowSql>();

/** The statements that read and write whole rows of `table` (built once per catalog table). */
export function rowSql(table: CatalogTable): RowSql {
  let sql = statements.get(table);
  if (sql !== undefined) return sql;
  const columns = table.storage.columns.map(quoteName);
  const writable = columns.slice(2);
  const select = columns.join(", ");
  sql = {
    select,
    insert: `INSERT INTO ${table.sqlName} (${columns.join(", ")}) VALUES ($1, $2, ${writable.map((_, i) => `$${i + 3}::jsonb`).join(", ")})`,
    update: `UPDATE ${table.sqlName} SET ${writable.map((column, i) => `${column} = $${i + 2}::jsonb`).join(", ")} WHERE "_id" = $1`,
    get: `SELECT ${select} FROM ${table.sqlName} WHERE "_id" = $1`,
    delete: `DELETE FROM ${table.sqlName} WHERE "_id" = $1 RETURNING ${select}`,
  };
  statements.set(table, sql);
  return sql;
}

import type { Runtime, StoredRow } from "@convoy/core/server";
import type { StoredValue } from "@convoy/core/values";
import { FrameworkError } from "@convoy/core/server";

/** A row as Electric sends it: every column in Postgres text form (`null` for SQL NULL). */
export type ElectricRow = Record<string, string | null>;

type CatalogTable = NonNullable<ReturnType<Runtime["catalog"]["tables"]["get"]>>;

/**
 * The columns of every shape the proxy serves, whatever the table's storage layout: promoted
 * fields are folded back into `data`, so clients see one stable row shape.
 */
export const SHAPE_SCHEMA = JSON.stringify({
  _id: { type: "text", pk_index: 0, not_null: true },
  _creation_time: { type: "float8", not_null: true },
  data: { type: "jsonb", not_null: true },
});

/** An Electric row of `table` as the stored row Convoy's engine reads (jsonb parsed, float8 a number). */
export function storedRowOf(table: CatalogTable, row: ElectricRow): StoredRow {
  const id = row._id;
  const creationTime = row._creation_time;
  if (typeof id !== "string" || typeof creationTime !== "string") throw new FrameworkError("INTERNAL", `a shape row of "${table.name}" lacks _id or _creation_time (is the shape's replica full?)`);
  const stored: StoredRow = { _id: id, _creation_time: Number(creationTime) };
  for (const column of table.storage.columns.slice(2)) {
    const text = row[column];
    stored[column] = text === null || text === undefined ? null : (JSON.parse(text) as StoredValue);
  }
  return stored;
}

/** A stored row as the proxy sends it: `_id`, `_creation_time` and `data` (promoted fields merged back), in text form. */
export function shapeRowOf(table: CatalogTable, row: StoredRow): ElectricRow {
  const { documentColumn, fieldColumns } = table.storage;
  let data = row[documentColumn] as StoredValue;
  if (fieldColumns.size > 0) {
    const merged: Record<string, StoredValue> = { ...(data as Record<string, StoredValue>) };
    for (const [field, column] of fieldColumns) {
      const value = row[column] as StoredValue | undefined;
      if (value !== null && value !== undefined) Object.defineProperty(merged, field, { value, enumerable: true, writable: true, configurable: true });
    }
    data = merged;
  }
  return { _id: row._id, _creation_time: String(row._creation_time), data: JSON.stringify(data) };
}

import type { DocumentByName, GenericDataModel, TableNamesInDataModel } from "@convoy/core/server";
import { fromStored, type StoredValue } from "@convoy/core/values";

/**
 * A row of a Convoy shape as `@electric-sql/client` hands it out: the system columns and the
 * `data` document in Convoy's storage form. With the client's default parser `_creation_time`
 * is a number and `data` an object; unparsed text is accepted too.
 */
export interface ConvoyShapeRow {
  _id: string;
  _creation_time: number | string;
  data: unknown;
}

/** The fields of the `data` column, decoded; a `__proto__` key stays data. */
function setField(document: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(document, key, { value, enumerable: true, writable: true, configurable: true });
  else document[key] = value;
}

/**
 * The document of a shape row, as `ctx.db` would return it: `_id`, `_creationTime`, then the
 * fields, with Convoy's special values decoded from their storage form (`{"$int64": "…"}` →
 * `bigint`, `{"$bytes": "…"}` → `ArrayBuffer`, `{"$float64": "NaN"}` → `NaN`, …) by the
 * engine's own decoder.
 *
 * ```ts
 * import type { DataModel } from "../convoy/_generated/dataModel";
 * const note = docFromShapeRow<DataModel, "notes">(row); // Doc<"notes">
 * ```
 */
export function docFromShapeRow<TDataModel extends GenericDataModel = GenericDataModel, TTable extends TableNamesInDataModel<TDataModel> = TableNamesInDataModel<TDataModel>>(
  row: ConvoyShapeRow | Record<string, unknown>,
): DocumentByName<TDataModel, TTable> {
  const { _id: id, _creation_time: creationTime } = row as ConvoyShapeRow;
  let data = (row as ConvoyShapeRow).data;
  if (typeof id !== "string" || (typeof creationTime !== "number" && typeof creationTime !== "string")) {
    throw new TypeError("docFromShapeRow: not a row of a Convoy shape (it needs _id, _creation_time and data)");
  }
  if (typeof data === "string") data = JSON.parse(data);
  const document: Record<string, unknown> = { _id: id, _creationTime: Number(creationTime) };
  const fields = data === null || data === undefined ? {} : fromStored(data as StoredValue);
  if (typeof fields === "object" && fields !== null && !Array.isArray(fields) && !(fields instanceof ArrayBuffer)) {
    for (const key of Object.keys(fields)) setField(document, key, (fields as Record<string, unknown>)[key]);
  }
  return document;
}

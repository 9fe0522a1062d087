import type { DocumentByName, GenericDataModel, TableNamesInDataModel } from "@convoy/core/server";
import { docFromShapeRow } from "./shape-row.js";

/** What {@link convoyShape} needs of `@electric-sql/client`'s `Shape` (structural, so this package does not bundle the client). */
export interface ShapeLike {
  readonly currentRows: readonly Record<string, unknown>[];
  readonly rows: Promise<readonly Record<string, unknown>[]>;
  subscribe(callback: (change: { rows: readonly Record<string, unknown>[] }) => void): () => void;
}

/** A shape of a Convoy table, its rows as typed documents. */
export interface ConvoyShape<TDoc> {
  /** The documents once the shape is up to date (the first time, after the initial sync). */
  docs(): Promise<TDoc[]>;
  /** The documents synced so far. */
  current(): TDoc[];
  /** Called with every new state of the shape; returns a function that stops it. */
  subscribe(callback: (docs: TDoc[]) => void): () => void;
}

/**
 * Wraps an Electric `Shape` of a Convoy table so that it yields `Doc<"table">` values.
 *
 * ```ts
 * import { Shape, ShapeStream } from "@electric-sql/client";
 * import type { DataModel } from "../convoy/_generated/dataModel";
 * const stream = new ShapeStream({ url: "/api/shape", params: { table: "notes" }, headers: { Authorization: () => `Bearer ${token()}` } });
 * const notes = convoyShape<DataModel, "notes">(new Shape(stream));
 * notes.subscribe((docs) => render(docs)); // docs: Doc<"notes">[]
 * ```
 */
export function convoyShape<TDataModel extends GenericDataModel = GenericDataModel, TTable extends TableNamesInDataModel<TDataModel> = TableNamesInDataModel<TDataModel>>(
  shape: ShapeLike,
): ConvoyShape<DocumentByName<TDataModel, TTable>> {
  type TDoc = DocumentByName<TDataModel, TTable>;
  const decode = (rows: readonly Record<string, unknown>[]): TDoc[] => rows.map((row) => docFromShapeRow<TDataModel, TTable>(row));
  return {
    docs: async () => decode(await shape.rows),
    current: () => decode(shape.currentRows),
    subscribe: (callback) => shape.subscribe(({ rows }) => callback(decode(rows))),
  };
}

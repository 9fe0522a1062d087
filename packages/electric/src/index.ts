/**
 * `@convoy/electric`: ElectricSQL shapes of Convoy tables, in the browser or Node. Rows come
 * from the shape proxy of `@convoy/electric/server`; these helpers turn them into typed
 * documents.
 *
 * ```ts
 * import { Shape, ShapeStream } from "@electric-sql/client";
 * import { convoyShape } from "@convoy/electric";
 * const notes = convoyShape<DataModel, "notes">(new Shape(new ShapeStream({ url: "/api/shape", params: { table: "notes" } })));
 * ```
 */
export { docFromShapeRow, type ConvoyShapeRow } from "./shape-row.js";
export { convoyShape, type ConvoyShape, type ShapeLike } from "./convoy-shape.js";

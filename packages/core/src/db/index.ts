/**
 * The untyped `ctx.db` engine: reader, writer, query builder and SQL compiler.
 *
 * ```ts
 * const db = createDatabase({ tx, catalog, log, writable: true, cursorSecret });
 * const id = await db.insert("messages", { author: "ada", body: "hi" });
 * const page = await db.query("messages").withIndex("by_author", (q) => q.eq("author", "ada")).paginate({ numItems: 20, cursor: null });
 * ```
 */
export { createDatabase, DatabaseImpl, type DatabaseOptions } from "./database.js";
export { QueryImpl, ITERATION_BATCH_SIZE, type PaginationOptions, type PaginationResult, type QueryContext } from "./query.js";
export { createFilterBuilder, FilterBuilderImpl, FilterExpression, type FilterNode, type ComparisonOp, type ArithmeticOp } from "./filter-builder.js";
export { IndexRangeBuilderImpl, resolveIndex, type IndexRange, type RangeBound, type ResolvedIndex, type IndexColumn, type ColumnKind } from "./index-range.js";
export { compileSelect, compileCount, type CompiledQuery, type Position, type QueryPlan } from "./query-compiler.js";
export { paginationOptsValidator } from "./pagination.js";
export { DB_FUNCTIONS_SQL, ARITH_FUNCTION } from "../storage/sql/filter-functions.js";
export type { Document } from "./documents.js";

import { v } from "../values/v.js";

/**
 * The validator of `paginate`'s options, as in Convex: `args: { paginationOpts: paginationOptsValidator }`.
 * `numItems` and `cursor` are used; the other (optional) fields are accepted for compatibility.
 *
 * @example
 * export const list = query({
 *   args: { paginationOpts: paginationOptsValidator },
 *   handler: (ctx, { paginationOpts }) => ctx.db.query("messages").order("desc").paginate(paginationOpts),
 * });
 */
export const paginationOptsValidator = v.object({
  numItems: v.number(),
  cursor: v.union(v.string(), v.null()),
  endCursor: v.optional(v.union(v.string(), v.null())),
  id: v.optional(v.number()),
  maximumRowsRead: v.optional(v.number()),
  maximumBytesRead: v.optional(v.number()),
});

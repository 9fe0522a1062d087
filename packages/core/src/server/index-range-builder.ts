import type { GenericDocument } from "../schema/data-model.js";
import type { FieldTypeFromFieldPath } from "./field-types.js";

/** A finished index range (what the `withIndex` callback returns). */
export interface IndexRange {
  readonly __isIndexRange: true;
}

type PlusOne<TNumber extends number> = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16][TNumber];

type NextIndexRangeBuilder<TDocument extends GenericDocument, TIndexFields extends string[], TFieldNum extends number> =
  PlusOne<TFieldNum> extends TIndexFields["length"] ? IndexRange : IndexRangeBuilder<TDocument, TIndexFields, PlusOne<TFieldNum> & number>;

/**
 * Builds the range of `withIndex(name, q => …)`, with Convex's rules, checked by the types:
 * `eq` on the index fields in order, then at most one lower bound (`gt`/`gte`) and one upper
 * bound (`lt`/`lte`) on the next field, in either order.
 *
 * @example
 * ctx.db.query("messages").withIndex("by_author_likes", (q) => q.eq("author", "ada").gt("likes", 3).lte("likes", 10))
 */
export interface IndexRangeBuilder<TDocument extends GenericDocument, TIndexFields extends string[], TFieldNum extends number = 0>
  extends LowerBoundIndexRangeBuilder<TDocument, TIndexFields[TFieldNum] & string> {
  eq(
    fieldName: TIndexFields[TFieldNum],
    value: FieldTypeFromFieldPath<TDocument, TIndexFields[TFieldNum] & string>,
  ): NextIndexRangeBuilder<TDocument, TIndexFields, TFieldNum>;
}

/** After the `eq`s: a lower bound, an upper bound, or nothing more. */
export interface LowerBoundIndexRangeBuilder<TDocument extends GenericDocument, TIndexFieldName extends string> extends IndexRange {
  gt(fieldName: TIndexFieldName, value: FieldTypeFromFieldPath<TDocument, TIndexFieldName>): UpperBoundIndexRangeBuilder<TDocument, TIndexFieldName>;
  gte(fieldName: TIndexFieldName, value: FieldTypeFromFieldPath<TDocument, TIndexFieldName>): UpperBoundIndexRangeBuilder<TDocument, TIndexFieldName>;
  lt(fieldName: TIndexFieldName, value: FieldTypeFromFieldPath<TDocument, TIndexFieldName>): LowerBoundAfterUpperIndexRangeBuilder<TDocument, TIndexFieldName>;
  lte(fieldName: TIndexFieldName, value: FieldTypeFromFieldPath<TDocument, TIndexFieldName>): LowerBoundAfterUpperIndexRangeBuilder<TDocument, TIndexFieldName>;
}

/** After an upper bound written first: a lower bound on the same field, or nothing more. */
export interface LowerBoundAfterUpperIndexRangeBuilder<TDocument extends GenericDocument, TIndexFieldName extends string> extends IndexRange {
  gt(fieldName: TIndexFieldName, value: FieldTypeFromFieldPath<TDocument, TIndexFieldName>): IndexRange;
  gte(fieldName: TIndexFieldName, value: FieldTypeFromFieldPath<TDocument, TIndexFieldName>): IndexRange;
}

/** After a lower bound: an upper bound on the same field, or nothing more. */
export interface UpperBoundIndexRangeBuilder<TDocument extends GenericDocument, TIndexFieldName extends string> extends IndexRange {
  lt(fieldName: TIndexFieldName, value: FieldTypeFromFieldPath<TDocument, TIndexFieldName>): IndexRange;
  lte(fieldName: TIndexFieldName, value: FieldTypeFromFieldPath<TDocument, TIndexFieldName>): IndexRange;
}

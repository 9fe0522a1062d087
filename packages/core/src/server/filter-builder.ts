import type { GenericTableInfo } from "../schema/data-model.js";
import type { DocumentByInfo, FieldPaths, FieldTypeFromFieldPath, NumericValue, ValueOrMissing } from "./field-types.js";

/**
 * An expression inside `filter`: built by the {@link FilterBuilder}, compiled to SQL, never
 * evaluated in JavaScript. `TType` is the type it evaluates to.
 */
export interface Expression<TType> {
  /** Type only. */
  readonly __expressionType?: TType;
  readonly __isExpression: true;
}

/** An expression or a literal value of the same type. */
export type ExpressionOrValue<TType> = Expression<TType> | TType;

/**
 * Builds the predicate of `query.filter(q => …)`. Comparisons follow Convoy's total order
 * (SPEC §4): `q.lt(q.field("n"), 5)` also matches documents missing `n`, nulls and int64s.
 *
 * @example
 * ctx.db.query("messages").filter((q) => q.and(q.eq(q.field("author"), "ada"), q.gt(q.field("likes"), 3)))
 */
export interface FilterBuilder<TTableInfo extends GenericTableInfo> {
  eq<TType extends ValueOrMissing>(left: ExpressionOrValue<TType>, right: ExpressionOrValue<TType>): Expression<boolean>;
  neq<TType extends ValueOrMissing>(left: ExpressionOrValue<TType>, right: ExpressionOrValue<TType>): Expression<boolean>;
  lt<TType extends ValueOrMissing>(left: ExpressionOrValue<TType>, right: ExpressionOrValue<TType>): Expression<boolean>;
  lte<TType extends ValueOrMissing>(left: ExpressionOrValue<TType>, right: ExpressionOrValue<TType>): Expression<boolean>;
  gt<TType extends ValueOrMissing>(left: ExpressionOrValue<TType>, right: ExpressionOrValue<TType>): Expression<boolean>;
  gte<TType extends ValueOrMissing>(left: ExpressionOrValue<TType>, right: ExpressionOrValue<TType>): Expression<boolean>;
  add<TType extends NumericValue>(left: ExpressionOrValue<TType>, right: ExpressionOrValue<TType>): Expression<TType>;
  sub<TType extends NumericValue>(left: ExpressionOrValue<TType>, right: ExpressionOrValue<TType>): Expression<TType>;
  mul<TType extends NumericValue>(left: ExpressionOrValue<TType>, right: ExpressionOrValue<TType>): Expression<TType>;
  div<TType extends NumericValue>(left: ExpressionOrValue<TType>, right: ExpressionOrValue<TType>): Expression<TType>;
  mod<TType extends NumericValue>(left: ExpressionOrValue<TType>, right: ExpressionOrValue<TType>): Expression<TType>;
  neg<TType extends NumericValue>(value: ExpressionOrValue<TType>): Expression<TType>;
  and(...expressions: ExpressionOrValue<boolean>[]): Expression<boolean>;
  or(...expressions: ExpressionOrValue<boolean>[]): Expression<boolean>;
  not(expression: ExpressionOrValue<boolean>): Expression<boolean>;
  /** A field of the document (dotted paths reach into nested objects). */
  field<TFieldPath extends FieldPaths<TTableInfo>>(fieldPath: TFieldPath): Expression<FieldTypeFromFieldPath<DocumentByInfo<TTableInfo>, TFieldPath>>;
}

import { FrameworkError } from "../errors/index.js";
import { checkValue } from "../values/check-value.js";
import type { Value } from "../values/value.js";

/** The operators of `filter(q => …)`. */
export type ComparisonOp = "eq" | "neq" | "lt" | "lte" | "gt" | "gte";
export type ArithmeticOp = "add" | "sub" | "mul" | "div" | "mod";

/** The tree of a filter expression. `literal` with `value: undefined` means "missing". */
export type FilterNode =
  | { kind: "field"; path: string }
  | { kind: "literal"; value: Value | undefined }
  | { kind: "compare"; op: ComparisonOp; left: FilterNode; right: FilterNode }
  | { kind: "and" | "or"; args: FilterNode[] }
  | { kind: "not"; arg: FilterNode }
  | { kind: "arith"; op: ArithmeticOp; left: FilterNode; right: FilterNode }
  | { kind: "neg"; arg: FilterNode };

/** A filter expression (what `q.field`, `q.eq`, … return). Anything else passed to `q` is a literal value. */
export class FilterExpression {
  /** Brand of the typed `Expression<T>` (type only). */
  declare readonly __isExpression: true;
  declare readonly _value: unknown;
  constructor(readonly node: FilterNode) {}
}

const FIELD_PATH = /^[^.]+(\.[^.]+)*$/;

function toNode(operand: unknown, where: string): FilterNode {
  if (operand instanceof FilterExpression) return operand.node;
  if (operand === undefined) return { kind: "literal", value: undefined };
  const issue = checkValue(operand, `filter ${where}`);
  if (issue !== null) throw new FrameworkError("INTERNAL", issue.message);
  return { kind: "literal", value: operand as Value };
}

/**
 * The `q` of `filter(q => …)`, with Convex's methods. Every method returns a
 * {@link FilterExpression}; the compiler turns the tree into a SQL `WHERE` clause.
 */
export class FilterBuilderImpl {
  field(fieldPath: string): FilterExpression {
    if (typeof fieldPath !== "string" || !FIELD_PATH.test(fieldPath)) {
      throw new FrameworkError("INTERNAL", `filter: invalid field path ${JSON.stringify(fieldPath)}`);
    }
    return new FilterExpression({ kind: "field", path: fieldPath });
  }

  eq(left: unknown, right: unknown): FilterExpression {
    return this.compare("eq", left, right);
  }
  neq(left: unknown, right: unknown): FilterExpression {
    return this.compare("neq", left, right);
  }
  lt(left: unknown, right: unknown): FilterExpression {
    return this.compare("lt", left, right);
  }
  lte(left: unknown, right: unknown): FilterExpression {
    return this.compare("lte", left, right);
  }
  gt(left: unknown, right: unknown): FilterExpression {
    return this.compare("gt", left, right);
  }
  gte(left: unknown, right: unknown): FilterExpression {
    return this.compare("gte", left, right);
  }

  add(left: unknown, right: unknown): FilterExpression {
    return this.arith("add", left, right);
  }
  sub(left: unknown, right: unknown): FilterExpression {
    return this.arith("sub", left, right);
  }
  mul(left: unknown, right: unknown): FilterExpression {
    return this.arith("mul", left, right);
  }
  div(left: unknown, right: unknown): FilterExpression {
    return this.arith("div", left, right);
  }
  mod(left: unknown, right: unknown): FilterExpression {
    return this.arith("mod", left, right);
  }
  neg(operand: unknown): FilterExpression {
    return new FilterExpression({ kind: "neg", arg: toNode(operand, "neg") });
  }

  and(...operands: unknown[]): FilterExpression {
    return new FilterExpression({ kind: "and", args: operands.map((operand) => toNode(operand, "and")) });
  }
  or(...operands: unknown[]): FilterExpression {
    return new FilterExpression({ kind: "or", args: operands.map((operand) => toNode(operand, "or")) });
  }
  not(operand: unknown): FilterExpression {
    return new FilterExpression({ kind: "not", arg: toNode(operand, "not") });
  }

  private compare(op: ComparisonOp, left: unknown, right: unknown): FilterExpression {
    return new FilterExpression({ kind: "compare", op, left: toNode(left, op), right: toNode(right, op) });
  }

  private arith(op: ArithmeticOp, left: unknown, right: unknown): FilterExpression {
    return new FilterExpression({ kind: "arith", op, left: toNode(left, op), right: toNode(right, op) });
  }
}

/** A filter builder (`q` of `filter`). */
export function createFilterBuilder(): FilterBuilderImpl {
  return new FilterBuilderImpl();
}

import { validatorFromJSON } from "./validator-from-json.js";
import type { ValidatorJSON } from "./validator-json.js";
import type { GenericValidator } from "./validators.js";

/**
 * Whether `value` is a validator built by the `convex` package (or convex-helpers), not by
 * Convoy: recognised by `isConvexValidator` and its JSON description, never by class identity.
 */
export function isForeignValidator(value: unknown): value is { isConvexValidator: true; isOptional: string; json: ValidatorJSON } {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { isConvexValidator?: unknown; isConvoyValidator?: unknown; json?: unknown };
  return candidate.isConvexValidator === true && candidate.isConvoyValidator !== true && typeof candidate.json === "object" && candidate.json !== null;
}

/**
 * The Convoy validator for a Convex one, rebuilt from its JSON description (optional stays
 * optional); anything else comes back as it is.
 *
 * @example
 * import { v as convexV } from "convex/values";
 * fromForeignValidator(convexV.optional(convexV.int64())); // v.optional(v.int64())
 */
export function fromForeignValidator(value: unknown): unknown {
  if (!isForeignValidator(value)) return value;
  const validator = validatorFromJSON(value.json);
  return value.isOptional === "optional" ? optionalOf(validator) : validator;
}

/** An object of field validators with every Convex validator among them made a Convoy one. */
export function fromForeignFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields)) out[key] = fromForeignValidator(field);
  return out;
}

function optionalOf(validator: GenericValidator): unknown {
  return (validator as unknown as { asOptional(): unknown }).asOptional();
}

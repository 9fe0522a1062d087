/**
 * A promotion that cannot go ahead (an undeclared field, an unsupported type, documents of the
 * wrong type, a step out of order…): the CLI exits 1 with this message, nothing changed.
 */
export class PromotionError extends Error {
  override readonly name = "PromotionError";
}

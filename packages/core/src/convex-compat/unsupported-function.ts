/** What a Convex app defines that Convoy cannot run yet (`action`, `httpAction`, …). */
export interface UnsupportedFunction {
  readonly isConvoyUnsupported: true;
  /** The Convex builder that made it, e.g. `"action"`. */
  readonly builder: string;
}

/**
 * A Convex builder Convoy does not support yet: defining a function with it does not fail,
 * so the module's other functions still load; the result is no registered function, so
 * calling it answers "not found" (Convex's HTTP API names it: docs/convex.md).
 *
 * @example
 * export const actionGeneric = unsupportedBuilder("action");
 */
export function unsupportedBuilder(builder: string): (definition?: unknown) => UnsupportedFunction {
  return () => Object.freeze({ isConvoyUnsupported: true as const, builder });
}

/** Whether `value` was made by an {@link unsupportedBuilder}. */
export function isUnsupportedFunction(value: unknown): value is UnsupportedFunction {
  return typeof value === "object" && value !== null && (value as { isConvoyUnsupported?: unknown }).isConvoyUnsupported === true;
}

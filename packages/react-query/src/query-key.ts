import type { JSONValue } from "@convoy/core/browser";

/** The first element of every Convoy query key. */
export const CONVOY_QUERY_KEY_PREFIX = "convoy";

/**
 * The key of a Convoy query in the TanStack cache: `["convoy", "<module>:<name>", <args>]`, the
 * arguments in their JSON wire encoding (so bigints and bytes hash), or `"skip"`.
 */
export type ConvoyQueryKey = readonly [typeof CONVOY_QUERY_KEY_PREFIX, string, JSONValue];

/** Whether a TanStack query key is a Convoy query's. */
export function isConvoyQueryKey(queryKey: readonly unknown[]): queryKey is ConvoyQueryKey {
  return queryKey.length === 3 && queryKey[0] === CONVOY_QUERY_KEY_PREFIX && typeof queryKey[1] === "string";
}

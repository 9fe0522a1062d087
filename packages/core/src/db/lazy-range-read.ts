import type { IndexRangeRead } from "../reactivity/records.js";

/** Bounds of an index range read (hex keys, see access-log.ts). */
export interface RangeBounds {
  lower: string;
  upper: string | null;
}

/**
 * An {@link IndexRangeRead} whose `lower`/`upper` are computed on first access: most calls'
 * read sets are never looked at (only subscriptions compare keys), and hex-encoding sort keys
 * costs as much as decoding the rows. `bounds` must depend only on values captured when the
 * read happened (not on documents the handler can still change) and return a fresh object.
 * The properties are own, enumerable accessors: spreading, `JSON.stringify` and equality see
 * plain values.
 */
export function lazyRangeRead(table: string, index: string, bounds: () => RangeBounds): IndexRangeRead {
  let resolved: RangeBounds | undefined;
  const get = (): RangeBounds => (resolved ??= bounds());
  return {
    kind: "range",
    table,
    index,
    get lower(): string {
      return get().lower;
    },
    set lower(value: string) {
      get().lower = value;
    },
    get upper(): string | null {
      return get().upper;
    },
    set upper(value: string | null) {
      get().upper = value;
    },
  };
}

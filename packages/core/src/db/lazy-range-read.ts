import type { IndexRangeRead } from "../reactivity/records.js";

/** Bounds of an index range read (hex keys, see access-log.ts). */
export interface RangeBounds {
  lower: string;
  upper: string | null;
}

/** Where a lazy read keeps its bounds (a non-enumerable own property: spreading and equality skip it). */
const STATE = Symbol("convoy.rangeBounds");

interface LazyState {
  compute: (() => RangeBounds) | undefined;
  bounds: RangeBounds | undefined;
}

function boundsOf(read: object): RangeBounds {
  const state = (read as { [STATE]: LazyState })[STATE];
  if (state.bounds === undefined) {
    state.bounds = state.compute!();
    state.compute = undefined;
  }
  return state.bounds;
}

/**
 * One getter/setter pair shared by every lazy read. Accessors written in an object literal
 * would be new functions per read, and V8 then gives each read a hidden class of its own that
 * its (weak) transition tree reaches: the scavenger keeps weak references alive, so every
 * call's read, its query and the rows it captured were promoted to the old generation and only
 * freed by a full collection.
 */
const ACCESSORS: PropertyDescriptorMap = {
  lower: {
    get(this: object): string {
      return boundsOf(this).lower;
    },
    set(this: object, value: string) {
      boundsOf(this).lower = value;
    },
    enumerable: true,
    configurable: true,
  },
  upper: {
    get(this: object): string | null {
      return boundsOf(this).upper;
    },
    set(this: object, value: string | null) {
      boundsOf(this).upper = value;
    },
    enumerable: true,
    configurable: true,
  },
};

/**
 * An {@link IndexRangeRead} whose `lower`/`upper` are computed on first access: most calls'
 * read sets are never looked at (only subscriptions compare keys), and hex-encoding sort keys
 * costs as much as decoding the rows. `bounds` must depend only on values captured when the
 * read happened (not on documents the handler can still change) and return a fresh object.
 * The properties are own, enumerable accessors: spreading, `JSON.stringify` and equality see
 * plain values.
 */
export function lazyRangeRead(table: string, index: string, bounds: () => RangeBounds): IndexRangeRead {
  const read = { kind: "range", table, index };
  Object.defineProperty(read, STATE, { value: { compute: bounds, bounds: undefined } satisfies LazyState });
  Object.defineProperties(read, ACCESSORS);
  return read as IndexRangeRead;
}

/** The smallest int64. */
export const MIN_INT64 = -(2n ** 63n);
/** The largest int64. */
export const MAX_INT64 = 2n ** 63n - 1n;

/** Why a bigint is not an int64, or `null` if it is one. */
export function int64RangeReason(value: bigint): string | null {
  return value < MIN_INT64 || value > MAX_INT64 ? `bigint ${value}n is outside the int64 range` : null;
}

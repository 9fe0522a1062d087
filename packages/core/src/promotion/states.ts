import type { PromotionState } from "../storage/promoted-column.js";

/** The states of a promotion, in the order its steps reach them. */
export const PROMOTION_STATES: readonly PromotionState[] = ["expanded", "backfilled", "indexed", "verified", "switched", "finished"];

/** Whether a promotion at `state` (`null`: not started) has reached `wanted`. */
export function reached(state: PromotionState | null, wanted: PromotionState): boolean {
  return state !== null && PROMOTION_STATES.indexOf(state) >= PROMOTION_STATES.indexOf(wanted);
}

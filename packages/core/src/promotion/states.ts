import { PROMOTION_STATES, type PromotionState } from "../storage/promoted-column.js";

/** Whether a promotion at `state` (`null`: not started) has reached `wanted`. */
export function reached(state: PromotionState | null, wanted: PromotionState): boolean {
  return state !== null && PROMOTION_STATES.indexOf(state) >= PROMOTION_STATES.indexOf(wanted);
}

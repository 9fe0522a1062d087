/**
 * M4 promotion (`convoy promote`, `convoy backfill`): a hot top-level field gets a typed,
 * indexed column that a row trigger keeps in step with the (still whole) document, online:
 * expand → backfill → index → verify → switch, each step in the sync log, resumable.
 * The column, trigger and index SQL come from storage/promoted-column.ts.
 */
export { preparePromotion, applyPromotion, applyFinish, readVerification, type PreparedPromotion, type PromotionOptions, type Verification } from "./run-promotion.js";
export { backfill, DEFAULT_BATCH_SIZE, type BackfillOptions, type BackfillProgress } from "./backfill.js";
export { planPromotion, planFinish, type PromotionPlan, type PromotionStep, type PromotionStepKind } from "./plan.js";
export { formatPromotionPlan } from "./format-plan.js";
export { resolveTarget, parseTargetArgument, type PromotionTarget } from "./target.js";
export { PromotionError } from "./promotion-error.js";

import type { Value } from "../values/value.js";

/** The result of one run of a live query: a value, or the error it failed with. */
export type QueryOutcome = { ok: true; value: Value } | { ok: false; error: unknown };

/**
 * Turns an outcome into its wire text; equal texts mean an unchanged result (not pushed
 * again), and the one text is shared by every subscriber of the query.
 */
export type OutcomeSerializer = (outcome: QueryOutcome) => string;

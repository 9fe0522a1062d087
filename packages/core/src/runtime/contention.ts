/** Weight of the latest attempt in a function's conflict rate (an exponential moving average). */
const WEIGHT = 0.1;
/** Above this conflict rate, a mutation's first attempt already runs alone (see ConflictGate). */
const RUN_ALONE_ABOVE = 0.5;

/**
 * How often each mutation's attempts have conflicted lately, in this process. A mutation whose
 * attempts mostly conflict (every increment of a small table shares one index page, and
 * SERIALIZABLE's page-level predicate locks make those attempts conflict with each other)
 * gains nothing from running its first attempt next to the others: that attempt would only be
 * rolled back and retried. Such a mutation starts alone instead. The rate decays with every
 * attempt that commits, so a mutation runs concurrently again once contention passes. Only the
 * order of attempts changes: each still runs in its own SERIALIZABLE transaction.
 */
export class ContentionTracker {
  readonly #rates = new Map<string, number>();

  /** Whether the first attempt of `name` should run alone. */
  runAlone(name: string): boolean {
    return (this.#rates.get(name) ?? 0) > RUN_ALONE_ABOVE;
  }

  /** Records how an attempt of `name` ended: in a conflict, or not. */
  record(name: string, conflicted: boolean): void {
    const rate = this.#rates.get(name) ?? 0;
    this.#rates.set(name, rate + WEIGHT * ((conflicted ? 1 : 0) - rate));
  }
}

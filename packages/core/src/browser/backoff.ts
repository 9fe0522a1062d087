/** How long to wait before reconnecting. */
export interface BackoffOptions {
  /** The first delay in ms (default 100). */
  initialMs?: number;
  /** The largest delay in ms (default 10 000). */
  maxMs?: number;
}

/**
 * The delay before reconnect attempt `retries` (0-based): exponential from `initialMs`, capped at
 * `maxMs`, with jitter (a uniform factor in [0.5, 1.5)) so that clients a restarting server
 * dropped together do not all come back at the same instant.
 */
export function backoffDelay(retries: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 10_000;
  const base = Math.min(max, initial * 2 ** Math.min(retries, 30));
  return Math.round(base * (0.5 + random()));
}

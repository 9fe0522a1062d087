/**
 * A bounded LRU of verified tokens: token string → value, each entry dropped at its own
 * expiry. A `Map` keeps insertion order, so re-inserting on a hit makes the first key the
 * least recently used.
 */
export class TokenCache<TValue> {
  private readonly entries = new Map<string, { value: TValue; expiresAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached value, or `undefined` when absent or expired. */
  get(token: string): TValue | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    this.entries.delete(token);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(token, entry);
    return entry.value;
  }

  /** Remember `value` until `expiresAt` (epoch ms), evicting the least recently used entry when full. */
  set(token: string, value: TValue, expiresAt: number): void {
    if (this.maxEntries <= 0 || expiresAt <= this.now()) return;
    this.entries.delete(token);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { value, expiresAt });
  }

  get size(): number {
    return this.entries.size;
  }
}

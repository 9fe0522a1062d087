import { hashKey, type Query, type QueryCacheNotifyEvent, type QueryClient, type QueryKey } from "@tanstack/react-query";
import { decodeValue, makeFunctionReference, ConvoyRequestError, type ConvoyClient, type JSONValue, type Unsubscribe } from "@convoy/core/browser";
import { isConvoyQueryKey } from "./query-key.js";

/** One cached Convoy query kept current by a `ConvoyClient` subscription. */
interface LiveEntry {
  stop: Unsubscribe<unknown>;
  result: { value: unknown } | { error: ConvoyRequestError } | undefined;
  /** `queryFn` calls waiting for the first result. */
  waiters: { resolve(value: unknown): void; reject(error: unknown): void }[];
}

/**
 * Keeps the TanStack cache's Convoy queries current through a {@link ConvoyClient}: a query is
 * subscribed when it is fetched or observed, each pushed result is written with `setQueryData`
 * (no refetch), and the subscription ends when TanStack garbage-collects the query (`gcTime`
 * after its last observer left).
 */
export class LiveQueries {
  private readonly entries = new Map<string, LiveEntry>();
  private readonly stopListening: () => void;

  constructor(
    private readonly client: ConvoyClient,
    private readonly queryClient: QueryClient,
  ) {
    this.stopListening = queryClient.getQueryCache().subscribe((event) => this.onCacheEvent(event));
  }

  /** The query's current result: at once when the subscription has one, else its first. */
  fetch(queryKey: QueryKey): Promise<unknown> {
    const entry = this.subscribe(queryKey);
    const result = entry.result;
    if (result !== undefined) return "error" in result ? Promise.reject(result.error) : Promise.resolve(result.value);
    return new Promise((resolve, reject) => entry.waiters.push({ resolve, reject }));
  }

  /** Ends every subscription. */
  close(): void {
    this.stopListening();
    for (const hash of [...this.entries.keys()]) this.unsubscribe(hash);
  }

  /** How many subscriptions are open (for tests and devtools). */
  get size(): number {
    return this.entries.size;
  }

  private onCacheEvent(event: QueryCacheNotifyEvent): void {
    const queryKey = event.query.queryKey as QueryKey;
    if (!isConvoyQueryKey(queryKey) || queryKey[2] === "skip") return;
    if (event.type === "observerAdded") this.subscribe(queryKey);
    else if (event.type === "removed") this.unsubscribe(event.query.queryHash);
  }

  private subscribe(queryKey: QueryKey): LiveEntry {
    const hash = hashKey(queryKey);
    const existing = this.entries.get(hash);
    if (existing !== undefined) return existing;
    const [, name, encodedArgs] = queryKey as readonly [string, string, JSONValue];
    const entry: LiveEntry = { stop: undefined as unknown as Unsubscribe<unknown>, result: undefined, waiters: [] };
    this.entries.set(hash, entry);
    entry.stop = this.client.onUpdate(
      makeFunctionReference<"query">(name),
      decodeValue(encodedArgs) as Record<string, unknown>,
      (value: unknown) => {
        entry.result = { value };
        const waiters = entry.waiters.splice(0);
        if (waiters.length > 0) for (const waiter of waiters) waiter.resolve(value);
        else this.queryClient.setQueryData(queryKey, value);
      },
      (error) => {
        entry.result = { error };
        const waiters = entry.waiters.splice(0);
        if (waiters.length > 0) for (const waiter of waiters) waiter.reject(error);
        else this.findQuery(queryKey)?.setState({ status: "error", error, errorUpdatedAt: Date.now(), fetchStatus: "idle" });
      },
    );
    return entry;
  }

  private unsubscribe(hash: string): void {
    const entry = this.entries.get(hash);
    if (entry === undefined) return;
    this.entries.delete(hash);
    entry.stop();
    const gone = new ConvoyRequestError("ABORTED", "the query left the cache before its first result", 0);
    for (const waiter of entry.waiters.splice(0)) waiter.reject(gone);
  }

  private findQuery(queryKey: QueryKey): Query | undefined {
    return this.queryClient.getQueryCache().find({ queryKey, exact: true });
  }
}

import type { Query, QueryClient, QueryKey } from "@tanstack/react-query";
import {
  accessOverlaps,
  type AnyFunctionReference,
  type CallAccess,
  type ConvoyClient,
  type ConvoyHttpClient,
  type FunctionArgs,
  type FunctionReference,
  type FunctionReturnType,
} from "@convoy/core/browser";
import { LiveQueries } from "./live-queries.js";
import { isConvoyQueryKey } from "./query-key.js";

/** The ConvoyQueryClient connected to each QueryClient (what `convoyQuery`'s queryFn and the hooks use). */
const connected = new WeakMap<QueryClient, ConvoyQueryClient>();

/** The client's call signature without its per-reference rest typing (the adapter passes args through). */
type LooseCall = (reference: AnyFunctionReference, args: unknown, options?: { signal?: AbortSignal; onAccess?: (access: CallAccess) => void }) => Promise<unknown>;

/**
 * Connects a Convoy client to a TanStack `QueryClient`; one per QueryClient.
 *
 * - With a live {@link ConvoyClient}: each {@link convoyQuery} in the cache is a subscription.
 *   It starts when the query is fetched or observed; every new result is written into the cache
 *   with `setQueryData` (nothing refetches); it ends when TanStack garbage-collects the query
 *   (`gcTime` after its last observer left). A mutation resolves once its effects are in the
 *   cache.
 * - With a {@link ConvoyHttpClient}: runs the `queryFn`, remembers the tables each query read
 *   (the server reports them with every answer) and, after every successful mutation made
 *   through the client (with {@link useConvoyMutation} or directly), invalidates exactly the
 *   cached queries that read a table the mutation wrote.
 *
 * @example
 * const queryClient = new QueryClient();
 * new ConvoyQueryClient(new ConvoyClient("http://localhost:3700"), queryClient); // live
 * // or: new ConvoyQueryClient(new ConvoyHttpClient("http://localhost:3700"), queryClient);
 * root.render(<QueryClientProvider client={queryClient}><App /></QueryClientProvider>);
 */
export class ConvoyQueryClient {
  readonly client: ConvoyHttpClient | ConvoyClient;
  readonly queryClient: QueryClient;
  /** The subscriptions behind the cached queries (live client only). */
  readonly live: LiveQueries | undefined;
  /** What each cached query read last time it ran, keyed by the Query's own key array (stable for its lifetime). */
  private readonly reads = new WeakMap<QueryKey, CallAccess>();
  private readonly pending = new Set<Promise<void>>();
  private readonly stopListening: () => void;

  constructor(client: ConvoyHttpClient | ConvoyClient, queryClient: QueryClient) {
    const existing = connected.get(queryClient);
    if (existing !== undefined && existing !== this) {
      throw new Error("this QueryClient already has a ConvoyQueryClient: close() it before connecting another");
    }
    this.client = client;
    this.queryClient = queryClient;
    connected.set(queryClient, this);
    if (isLive(client)) {
      const live = new LiveQueries(client, queryClient);
      this.live = live;
      this.stopListening = () => live.close();
      return;
    }
    this.live = undefined;
    this.stopListening = client.onAccess((kind, _name, access) => {
      // Unreported access (the server's accessHeaders are off): the mutation may have written anything.
      if (kind === "mutation" && (access.reported === false || access.writtenTables.length > 0)) void this.track(this.invalidateAfter(access));
    });
  }

  /**
   * The ConvoyQueryClient connected to `queryClient`.
   *
   * @example
   * const convoy = ConvoyQueryClient.of(useQueryClient());
   */
  static of(queryClient: QueryClient): ConvoyQueryClient {
    const convoy = connected.get(queryClient);
    if (convoy === undefined) {
      throw new Error("no ConvoyQueryClient is connected to this QueryClient: create one with new ConvoyQueryClient(convoyHttpClient, queryClient)");
    }
    return convoy;
  }

  /**
   * Runs a query for a cache entry (what `convoyQuery`'s `queryFn` calls). Live: the current
   * result of the entry's subscription (no round trip once it has one). HTTP: one request,
   * remembering what it read, so later writes to those tables invalidate it.
   */
  async fetchQuery<TReference extends FunctionReference<"query">>(
    reference: TReference,
    args: FunctionArgs<TReference>,
    context: { queryKey: QueryKey; signal?: AbortSignal },
  ): Promise<FunctionReturnType<TReference>> {
    if (this.live !== undefined) return (await this.live.fetch(context.queryKey));
    const query = this.client.query.bind(this.client) as LooseCall;
    const value: unknown = await query(reference, args, {
      ...(context.signal === undefined ? {} : { signal: context.signal }),
      onAccess: (access) => this.reads.set(context.queryKey, access),
    });
    return value;
  }

  /**
   * Runs a mutation and resolves once its effects are in the cache: live, the client's
   * subscriptions already hold them; HTTP, the queries it affected have been refetched (when
   * they are on screen) or marked stale, so what renders next is consistent with the write.
   *
   * @example
   * const id = await ConvoyQueryClient.of(queryClient).mutation(api.messages.send, { author: "ada", body: "hi" });
   */
  async mutation<TReference extends FunctionReference<"mutation">>(reference: TReference, args: FunctionArgs<TReference>): Promise<FunctionReturnType<TReference>> {
    const mutation = this.client.mutation.bind(this.client) as LooseCall;
    const value: unknown = await mutation(reference, args);
    await this.settled();
    return value;
  }

  /**
   * Invalidates the cached Convoy queries that read one of `tables` (for writes this client did
   * not see, e.g. reported by another tab). Queries whose reads are not known yet are
   * invalidated too.
   *
   * @example
   * await ConvoyQueryClient.of(queryClient).invalidateTables(["messages"]);
   */
  invalidateTables(tables: readonly string[]): Promise<void> {
    return this.track(this.invalidateAfter({ readTables: [], writtenTables: [...tables] }));
  }

  /** Resolves when the invalidations started so far have finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Stops invalidating and disconnects from the QueryClient. */
  close(): void {
    this.stopListening();
    if (connected.get(this.queryClient) === this) connected.delete(this.queryClient);
  }

  /** Whether a cached query could have changed after `write`: it read a written table, or its reads are unknown. */
  private affectedBy(query: Query, write: CallAccess): boolean {
    if (!isConvoyQueryKey(query.queryKey)) return false;
    const read = this.reads.get(query.queryKey);
    return read === undefined || accessOverlaps(read, write);
  }

  private invalidateAfter(write: CallAccess): Promise<void> {
    return this.queryClient.invalidateQueries({ predicate: (query) => this.affectedBy(query, write) });
  }

  private track(invalidation: Promise<void>): Promise<void> {
    const tracked = invalidation.catch(() => undefined).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
    return tracked;
  }
}

function isLive(client: ConvoyHttpClient | ConvoyClient): client is ConvoyClient {
  return "onUpdate" in client;
}

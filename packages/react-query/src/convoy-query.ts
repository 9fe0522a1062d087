import { skipToken, type DataTag, type QueryFunctionContext, type SkipToken } from "@tanstack/react-query";
import { encodeValue, getFunctionName, type ConvoyRequestError, type FunctionArgs, type FunctionReference, type FunctionReturnType, type Value } from "@convoy/core/browser";
import { ConvoyQueryClient } from "./convoy-query-client.js";
import { CONVOY_QUERY_KEY_PREFIX, type ConvoyQueryKey } from "./query-key.js";

/** A query key tagged with the query's result and error types (so `getQueryData` is typed). */
export type ConvoyTaggedQueryKey<TReference extends FunctionReference<"query">> = DataTag<ConvoyQueryKey, FunctionReturnType<TReference>, ConvoyRequestError>;

/** What {@link convoyQuery} returns: TanStack Query options for `useQuery`, `useSuspenseQuery`, `fetchQuery`, … */
export interface ConvoyQueryOptions<TReference extends FunctionReference<"query">> {
  queryKey: ConvoyTaggedQueryKey<TReference>;
  queryFn: (context: QueryFunctionContext<ConvoyQueryKey>) => Promise<FunctionReturnType<TReference>>;
  /** `false`: the client already retries transient failures (network, 503); other errors are answers. */
  retry: false;
}

/** What {@link convoyQuery} returns when the arguments may be `"skip"`: options for `useQuery`. */
export interface SkippableConvoyQueryOptions<TReference extends FunctionReference<"query">> extends Omit<ConvoyQueryOptions<TReference>, "queryFn"> {
  /** `skipToken` when skipped. */
  queryFn: ConvoyQueryOptions<TReference>["queryFn"] | SkipToken;
  /** `false` when skipped. */
  enabled?: boolean;
}

/**
 * The cache key of a Convoy query; without `args`, a prefix that matches every cached call of
 * the function (for `invalidateQueries`, `removeQueries`, …).
 *
 * @example
 * await queryClient.invalidateQueries({ queryKey: convoyQueryKey(api.messages.list) });
 */
export function convoyQueryKey(reference: FunctionReference<"query">): readonly [typeof CONVOY_QUERY_KEY_PREFIX, string];
export function convoyQueryKey<TReference extends FunctionReference<"query">>(reference: TReference, args: FunctionArgs<TReference> | "skip"): ConvoyTaggedQueryKey<TReference>;
export function convoyQueryKey(reference: FunctionReference<"query">, ...rest: [args?: unknown]): readonly unknown[] {
  const name = getFunctionName(reference);
  if (rest.length === 0) return [CONVOY_QUERY_KEY_PREFIX, name];
  const [args] = rest;
  return [CONVOY_QUERY_KEY_PREFIX, name, args === "skip" ? "skip" : encodeValue((args ?? {}) as Value)];
}

/**
 * TanStack Query options for a Convoy query: a data-tagged `queryKey` and a `queryFn` that
 * runs the query through the {@link ConvoyQueryClient} connected to the QueryClient. Pass
 * `"skip"` instead of the arguments to disable the query until they are known.
 *
 * @example
 * const { data } = useQuery(convoyQuery(api.messages.byAuthor, { author: "ada" }));
 * const { data: mine } = useQuery(convoyQuery(api.messages.byAuthor, user ? { author: user } : "skip"));
 * queryClient.getQueryData(convoyQuery(api.messages.byAuthor, { author: "ada" }).queryKey); // typed
 */
export function convoyQuery<TReference extends FunctionReference<"query">>(reference: TReference, args: FunctionArgs<TReference>): ConvoyQueryOptions<TReference>;
export function convoyQuery<TReference extends FunctionReference<"query">>(
  reference: TReference,
  args: FunctionArgs<TReference> | "skip",
): SkippableConvoyQueryOptions<TReference>;
export function convoyQuery<TReference extends FunctionReference<"query">>(
  reference: TReference,
  args: FunctionArgs<TReference> | "skip",
): SkippableConvoyQueryOptions<TReference> {
  const queryKey = convoyQueryKey(reference, args);
  if (args === "skip") return { queryKey, queryFn: skipToken, enabled: false, retry: false };
  return {
    queryKey,
    queryFn: (context) => {
      if (context.client === undefined) throw new Error("@convoy/react-query needs @tanstack/react-query 5.66 or later (QueryFunctionContext.client)");
      return ConvoyQueryClient.of(context.client).fetchQuery(reference, args, context);
    },
    retry: false,
  };
}

/**
 * `@convoy/react-query`: Convoy queries and mutations in TanStack Query, typed by the
 * generated `api`. Mutations invalidate exactly the cached queries that read a table they
 * wrote (the server reports each call's tables).
 *
 * ```tsx
 * import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
 * import { ConvoyHttpClient } from "@convoy/core/browser";
 * import { ConvoyQueryClient, convoyQuery, useConvoyMutation } from "@convoy/react-query";
 * import { api } from "../convoy/_generated/api";
 *
 * const queryClient = new QueryClient();
 * new ConvoyQueryClient(new ConvoyHttpClient("http://localhost:3700"), queryClient);
 *
 * function Messages() {
 *   const { data } = useQuery(convoyQuery(api.messages.byAuthor, { author: "ada" }));
 *   const send = useConvoyMutation(api.messages.send);
 *   return <button onClick={() => send.mutate({ author: "ada", body: "hi" })}>{data?.length}</button>;
 * }
 * // <QueryClientProvider client={queryClient}><Messages /></QueryClientProvider>
 * ```
 */
export { ConvoyQueryClient } from "./convoy-query-client.js";
export { convoyQuery, convoyQueryKey, type ConvoyQueryOptions, type ConvoyTaggedQueryKey, type SkippableConvoyQueryOptions } from "./convoy-query.js";
export { useConvoyMutation, type UseConvoyMutationOptions } from "./use-convoy-mutation.js";
export { isConvoyQueryKey, type ConvoyQueryKey } from "./query-key.js";

import { useMutation, useQueryClient, type QueryClient, type UseMutationOptions, type UseMutationResult } from "@tanstack/react-query";
import type { ConvoyRequestError, FunctionArgs, FunctionReference, FunctionReturnType } from "@convoy/core/browser";
import { ConvoyQueryClient } from "./convoy-query-client.js";

/** Options of {@link useConvoyMutation}: TanStack's mutation options, less `mutationFn`. */
export type UseConvoyMutationOptions<TReference extends FunctionReference<"mutation">, TOnMutateResult = unknown> = Omit<
  UseMutationOptions<FunctionReturnType<TReference>, ConvoyRequestError, FunctionArgs<TReference>, TOnMutateResult>,
  "mutationFn"
>;

/**
 * `useMutation` over a Convoy mutation: `mutate(args)` runs it through the connected
 * {@link ConvoyQueryClient}; once it succeeds, the cached queries that read a table it wrote
 * are invalidated (and refetched when on screen) before `mutateAsync` resolves.
 *
 * @example
 * const send = useConvoyMutation(api.messages.send, { onError: (e) => setError(e.message) });
 * send.mutate({ author: "ada", body: "hi" });
 */
export function useConvoyMutation<TReference extends FunctionReference<"mutation">, TOnMutateResult = unknown>(
  reference: TReference,
  options?: UseConvoyMutationOptions<TReference, TOnMutateResult>,
  queryClient?: QueryClient,
): UseMutationResult<FunctionReturnType<TReference>, ConvoyRequestError, FunctionArgs<TReference>, TOnMutateResult> {
  const client = useQueryClient(queryClient);
  return useMutation(
    {
      ...options,
      mutationFn: (args: FunctionArgs<TReference>) => ConvoyQueryClient.of(client).mutation(reference, args),
    },
    client,
  );
}

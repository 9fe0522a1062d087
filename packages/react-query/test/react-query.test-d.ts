/* Type tests of @convoy/react-query over the client fixture app's generated api. */
import { QueryClient, useQuery, useSuspenseQuery } from "@tanstack/react-query";
import { ConvoyClient, ConvoyHttpClient, type ConvoyRequestError } from "@convoy/core/browser";
import { describe, expectTypeOf, it } from "vitest";
import { api, internal } from "../../core/test/client/fixture/convoy/_generated/api.js";
import type { Doc, Id } from "../../core/test/client/fixture/convoy/_generated/dataModel.js";
import { ConvoyQueryClient, convoyQuery, convoyQueryKey, useConvoyMutation } from "../src/index.js";

const queryClient = new QueryClient();
/** Uses a value (so a declaration can stand under a `@ts-expect-error`). */
declare function use(value: unknown): void;

describe("convoyQuery", () => {
  it("gives useQuery the result and error types", () => {
    const { data } = useQuery(convoyQuery(api.notes.list, {}));
    expectTypeOf(data).toEqualTypeOf<Doc<"notes">[] | undefined>();
    const { data: note } = useSuspenseQuery(convoyQuery(api.notes.byTitle, { title: "a" }));
    expectTypeOf(note).toEqualTypeOf<Doc<"notes"> | null>();
    const { data: skipped } = useQuery(convoyQuery(api.notes.byTitle, "skip"));
    expectTypeOf(skipped).toEqualTypeOf<Doc<"notes"> | null | undefined>();
  });

  it("tags the key, so getQueryData and setQueryData are typed", () => {
    const options = convoyQuery(api.notes.count, {});
    expectTypeOf(queryClient.getQueryData(options.queryKey)).toEqualTypeOf<number | undefined>();
    expectTypeOf(queryClient.getQueryData(convoyQueryKey(api.notes.list, {}))).toEqualTypeOf<Doc<"notes">[] | undefined>();
    expectTypeOf(queryClient.getQueryState(options.queryKey)?.error).toEqualTypeOf<ConvoyRequestError | null | undefined>();
    queryClient.setQueryData(options.queryKey, 3);
    // @ts-expect-error -- the count is a number
    queryClient.setQueryData(options.queryKey, "three");
  });

  it("rejects wrong args, unknown functions, mutations and internal functions", () => {
    // @ts-expect-error -- title must be a string
    convoyQuery(api.notes.byTitle, { title: 1 });
    // @ts-expect-error -- title is required
    convoyQuery(api.notes.byTitle, {});
    // @ts-expect-error -- there is no notes:nope
    convoyQuery(api.notes.nope, {});
    // @ts-expect-error -- notes:add is a mutation
    convoyQuery(api.notes.add, { title: "a", stars: 1n });
    // @ts-expect-error -- internal functions are not callable from a client
    convoyQuery(internal.notes.secret, {});
  });
});

describe("useConvoyMutation", () => {
  it("types mutate's variables and the result", () => {
    const star = useConvoyMutation(api.notes.star);
    expectTypeOf(star.mutateAsync({ id: "n" as Id<"notes"> })).resolves.toEqualTypeOf<bigint>();
    expectTypeOf(star.data).toEqualTypeOf<bigint | undefined>();
    expectTypeOf(star.error).toEqualTypeOf<ConvoyRequestError | null>();
    useConvoyMutation(api.notes.add, {
      onSuccess: (id, variables) => {
        expectTypeOf(id).toEqualTypeOf<Id<"notes">>();
        expectTypeOf(variables.stars).toEqualTypeOf<bigint>();
      },
    });
  });

  it("rejects wrong args, queries and unknown functions", () => {
    const add = useConvoyMutation(api.notes.add);
    // @ts-expect-error -- stars is a bigint
    add.mutate({ title: "a", stars: 1 });
    // @ts-expect-error -- notes:list is a query
    useConvoyMutation(api.notes.list);
    // @ts-expect-error -- there is no tags:remove
    useConvoyMutation(api.tags.remove);
    const title: string = add.data ?? "";
    // @ts-expect-error -- the result is an id of notes, not a number
    const wrong: number = add.data!;
    use([title, wrong]);
  });
});

describe("ConvoyQueryClient", () => {
  it("takes a live ConvoyClient or a ConvoyHttpClient, and nothing else", () => {
    const live = new ConvoyQueryClient(new ConvoyClient("http://localhost:3700"), new QueryClient());
    expectTypeOf(live.client).toEqualTypeOf<ConvoyClient | ConvoyHttpClient>();
    use(new ConvoyQueryClient(new ConvoyHttpClient("http://localhost:3700"), new QueryClient()));
    // @ts-expect-error -- a URL is not a client
    use(new ConvoyQueryClient("http://localhost:3700", new QueryClient()));
  });
});

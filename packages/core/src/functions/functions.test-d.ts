import { describe, expectTypeOf, it } from "vitest";
import type { GenericId } from "../values/value.js";
import { v } from "../values/v.js";
import { api, internal } from "../test/fixtures/convoy/_generated/api.js";
import { mutation, query, type DataModel } from "../test/fixtures/convoy/_generated/server.js";
import type * as messages from "../test/fixtures/convoy/messages.js";
import { convoyTest } from "../test/convoy-test.js";
import schema from "../test/fixtures/convoy/schema.js";
import type { ApiFromModules, FilterApi } from "./api-from-modules.js";
import type { GenericMutationCtx, GenericQueryCtx } from "./context.js";
import { mutationGeneric, queryGeneric } from "./function-builders.js";
import type { FunctionArgs, FunctionReference, FunctionReturnType, OptionalRestArgs } from "./function-reference.js";
import type { RegisteredMutation, RegisteredQuery } from "./registered-function.js";

type Message = DataModel["messages"]["document"];

declare function callQuery<TRef extends FunctionReference<"query">>(ref: TRef, args: FunctionArgs<TRef>): Promise<FunctionReturnType<TRef>>;
declare function callMutation<TRef extends FunctionReference<"mutation">>(ref: TRef, ...args: OptionalRestArgs<TRef>): Promise<FunctionReturnType<TRef>>;

describe("handlers", () => {
  it("infers handler args from an object of validators", () => {
    queryGeneric({
      args: { author: v.string(), limit: v.optional(v.number()), tags: v.array(v.string()) },
      handler: (_ctx, args) => {
        expectTypeOf(args).toEqualTypeOf<{ author: string; limit?: number; tags: string[] }>();
        return null;
      },
    });
  });

  it("infers handler args from a v.object", () => {
    mutationGeneric({
      args: v.object({ id: v.id("users"), admin: v.optional(v.boolean()) }),
      handler: (_ctx, args) => {
        expectTypeOf(args).toEqualTypeOf<{ id: GenericId<"users">; admin?: boolean }>();
      },
    });
  });

  it("types ctx with the app's DataModel", () => {
    query({
      args: {},
      handler: async (ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<GenericQueryCtx<DataModel>>();
        const message = await ctx.db.query("messages").first();
        expectTypeOf(message).toEqualTypeOf<Message | null>();
        // @ts-expect-error a query's db cannot write
        await ctx.db.insert("messages", { author: "a", body: "b" });
        expectTypeOf(ctx).not.toHaveProperty("runMutation");
        // @ts-expect-error no such table
        ctx.db.query("nope");
      },
    });
    mutation({
      args: {},
      handler: async (ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<GenericMutationCtx<DataModel>>();
        await ctx.db.insert("messages", { author: "a", body: "b" });
        // @ts-expect-error a missing required field
        await ctx.db.insert("messages", { author: "a" });
      },
    });
  });

  it("checks the handler's result against returns", () => {
    queryGeneric({ args: {}, returns: v.number(), handler: () => 1 });
    // @ts-expect-error the handler returns a string where returns says number
    queryGeneric({ args: {}, returns: v.number(), handler: () => "one" });
  });

  it("a function without args takes an annotated or default args object", () => {
    const bare = queryGeneric((_ctx, args: { n: number }) => args.n);
    expectTypeOf(bare).toEqualTypeOf<RegisteredQuery<"public", { n: number }, number>>();
    const noArgs = mutationGeneric({ handler: () => "done" as const });
    expectTypeOf(noArgs).toEqualTypeOf<RegisteredMutation<"public", Record<string, unknown>, "done">>();
  });
});

describe("registered functions", () => {
  it("carries visibility, args and result types", () => {
    expectTypeOf<typeof messages.byAuthor>().toEqualTypeOf<RegisteredQuery<"public", { author: string; limit?: number }, Message[]>>();
    expectTypeOf<typeof messages.send>().toEqualTypeOf<RegisteredMutation<"public", { author: string; body: string }, GenericId<"messages">>>();
    expectTypeOf<typeof messages.clearAll>().toEqualTypeOf<RegisteredMutation<"internal", Record<string, never>, number>>();
    expectTypeOf<(typeof messages.byAuthor)["isQuery"]>().toEqualTypeOf<true>();
    expectTypeOf<(typeof messages.send)["isQuery"]>().toEqualTypeOf<false>();
    expectTypeOf<(typeof messages.clearAll)["isInternal"]>().toEqualTypeOf<true>();
  });
});

describe("api from modules", () => {
  it("gives typed references, public in api and internal in internal", async () => {
    expectTypeOf(api.messages.byAuthor).toEqualTypeOf<FunctionReference<"query", "public", { author: string; limit?: number }, Message[]>>();
    expectTypeOf(api.admin.users.list).toEqualTypeOf<FunctionReference<"query", "public", Record<string, never>, DataModel["users"]["document"][]>>();
    expectTypeOf(internal.admin.users.create).toEqualTypeOf<
      FunctionReference<"mutation", "internal", { name: string; admin?: boolean }, GenericId<"users">>
    >();
    expectTypeOf(internal.messages.clearAll).toEqualTypeOf<FunctionReference<"mutation", "internal", Record<string, never>, number>>();
    // internal functions are not in api, public ones not in internal, empty modules nowhere
    expectTypeOf(api.messages).not.toHaveProperty("clearAll");
    expectTypeOf(internal.messages).not.toHaveProperty("send");
    expectTypeOf(internal).not.toHaveProperty("counters");
    // @ts-expect-error internal functions are not in api
    await callMutation(api.messages.clearAll, {});
  });

  it("makes a wrong name, wrong args or the wrong kind a compile error", async () => {
    const messagesFound: Message[] = await callQuery(api.messages.byAuthor, { author: "ada" });
    expectTypeOf(messagesFound).toEqualTypeOf<Message[]>();
    expectTypeOf(await callMutation(api.counters.increment, { name: "a" })).toEqualTypeOf<number>();
    // @ts-expect-error no such function
    await callQuery(api.messages.nope, {});
    // @ts-expect-error wrong argument type
    await callQuery(api.messages.byAuthor, { author: 1 });
    // @ts-expect-error missing required argument
    await callQuery(api.messages.byAuthor, {});
    // @ts-expect-error extra argument
    await callQuery(api.messages.byAuthor, { author: "a", extra: true });
    // @ts-expect-error a mutation where a query is expected
    await callQuery(api.messages.send, { author: "a", body: "b" });
    // @ts-expect-error a query where a mutation is expected
    await callMutation(api.messages.list, {});
    // @ts-expect-error an internal query where a public one is expected
    await callQuery(internal.nesting.countUsers, {});
    // args may be omitted when none are required
    await callMutation(api.nesting.survive);
  });

  it("a function returning nothing returns null to callers", () => {
    type Api = ApiFromModules<{ m: { f: RegisteredMutation<"public", Record<string, never>, void> } }>;
    expectTypeOf<FunctionReturnType<Api["m"]["f"]>>().toEqualTypeOf<null>();
  });

  it("ApiFromModules nests folders and FilterApi drops empty modules", () => {
    type Full = ApiFromModules<{ "a/b/c": { f: RegisteredQuery<"internal", { x: string }, string>; notAFunction: number } }>;
    expectTypeOf<Full["a"]["b"]["c"]["f"]>().toEqualTypeOf<FunctionReference<"query", "internal", { x: string }, string>>();
    // A predicate no reference matches leaves nothing, not even the module or its folders.
    // eslint-disable-next-line @typescript-eslint/no-generated-empty-object-type -- that empty object is the point
    expectTypeOf<keyof FilterApi<Full, FunctionReference<"query">>>().toEqualTypeOf<never>();
  });
});

describe("@convoy/core/test", () => {
  it("types t.query, t.mutation and t.run from references and the schema", async () => {
    const t = convoyTest(schema);
    expectTypeOf(await t.query(api.messages.byAuthor, { author: "a" })).toEqualTypeOf<Message[]>();
    expectTypeOf(await t.mutation(internal.admin.users.create, { name: "x" })).toEqualTypeOf<GenericId<"users">>();
    expectTypeOf(await t.query("messages:list", {})).toEqualTypeOf<unknown>();
    expectTypeOf(await t.run(async (ctx) => ctx.db.query("counters").collect())).toEqualTypeOf<DataModel["counters"]["document"][]>();
    // @ts-expect-error a mutation passed to t.query
    await t.query(api.messages.send, { author: "a", body: "b" });
    // @ts-expect-error wrong args
    await t.mutation(api.messages.send, { author: "a" });
  });
});

import { describe, expectTypeOf, it } from "vitest";
import { v } from "../values/v.js";
import { ConvoyHttpClient } from "../browser/http-client.js";
import { ConvoyClient } from "../browser/convoy-client.js";
import type { ApiFromModules, FilterApi } from "../functions/api-from-modules.js";
import type { GenericActionCtx } from "../functions/context.js";
import { actionGeneric, internalActionGeneric, mutationGeneric } from "../functions/function-builders.js";
import type { FunctionReference } from "../functions/function-reference.js";
import type { ScheduledFunctionId } from "../functions/scheduler-types.js";
import type { GenericDataModel } from "../schema/data-model.js";
import { convoyTest } from "../test/convoy-test.js";

export const charge = actionGeneric({
  args: { amount: v.number(), currency: v.optional(v.string()) },
  returns: v.string(),
  handler: (ctx, { amount }) => {
    expectTypeOf(ctx).toEqualTypeOf<GenericActionCtx<GenericDataModel>>();
    expectTypeOf(ctx).not.toHaveProperty("db");
    return `charged ${amount}`;
  },
});
export const refund = internalActionGeneric({ args: { id: v.string() }, handler: () => 1 });
export const send = mutationGeneric({
  args: {},
  handler: async (ctx) => {
    const id = await ctx.scheduler.runAfter(1000, api.payments.charge, { amount: 5 });
    expectTypeOf(id).toEqualTypeOf<ScheduledFunctionId>();
    // @ts-expect-error the scheduled function's arguments are checked
    await ctx.scheduler.runAfter(0, api.payments.charge, { amount: "5" });
    await ctx.scheduler.runAt(new Date(), internal.payments.refund, { id: "x" });
    await ctx.scheduler.cancel(id);
    const job = await ctx.db.system.get(id);
    expectTypeOf(job?.state.kind).toEqualTypeOf<"pending" | "inProgress" | "success" | "failed" | "canceled" | undefined>();
  },
});

export declare const fullApi: ApiFromModules<{ payments: { charge: typeof charge; refund: typeof refund; send: typeof send } }>;
declare const api: FilterApi<typeof fullApi, FunctionReference<"query" | "mutation" | "action">>;
declare const internal: FilterApi<typeof fullApi, FunctionReference<"query" | "mutation" | "action", "internal">>;

describe("actions", () => {
  it("flow into the api with their kind, args and result", () => {
    expectTypeOf(api.payments.charge).toEqualTypeOf<FunctionReference<"action", "public", { amount: number; currency?: string }, string>>();
    expectTypeOf(internal.payments.refund).toEqualTypeOf<FunctionReference<"action", "internal", { id: string }, number>>();
    expectTypeOf(api).not.toHaveProperty("refund");
  });

  it("are called by the clients and convoyTest, typed", async () => {
    const http = new ConvoyHttpClient("http://localhost:3700");
    expectTypeOf(await http.action(api.payments.charge, { amount: 1 })).toEqualTypeOf<string>();
    // @ts-expect-error a wrong argument type
    await http.action(api.payments.charge, { amount: "1" });
    // @ts-expect-error a mutation is not an action
    await http.action(api.payments.send, {});
    const client = new ConvoyClient("http://localhost:3700");
    expectTypeOf(await client.action(api.payments.charge, { amount: 1 })).toEqualTypeOf<string>();
    // @ts-expect-error a missing argument
    await client.action(api.payments.charge, {});
    const t = convoyTest();
    expectTypeOf(await t.action(internal.payments.refund, { id: "r" })).toEqualTypeOf<number>();
  });
});

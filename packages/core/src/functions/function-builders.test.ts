import { describe, expect, it } from "vitest";
import { v } from "../values/v.js";
import { actionGeneric, internalActionGeneric, internalMutationGeneric, internalQueryGeneric, mutationGeneric, queryGeneric } from "./function-builders.js";
import { isRegisteredFunction } from "./registered-function.js";

describe("registration", () => {
  it("marks queries and mutations, public and internal", () => {
    const handler = () => Promise.resolve(null);
    const cases = [
      [queryGeneric({ handler }), "query", "public"],
      [internalQueryGeneric({ handler }), "query", "internal"],
      [mutationGeneric({ handler }), "mutation", "public"],
      [internalMutationGeneric({ handler }), "mutation", "internal"],
    ] as const;
    for (const [fn, type, visibility] of cases) {
      expect(fn).toMatchObject({
        isConvoyFunction: true,
        type,
        isQuery: type === "query",
        isMutation: type === "mutation",
        visibility,
        isPublic: visibility === "public",
        isInternal: visibility === "internal",
        handler,
      });
      expect(isRegisteredFunction(fn)).toBe(true);
      expect(Object.isFrozen(fn)).toBe(true);
    }
  });

  it("turns an object of validators into v.object and keeps a v.object", () => {
    const fromFields = queryGeneric({ args: { author: v.string(), limit: v.optional(v.number()) }, handler: () => null });
    const fromObject = queryGeneric({ args: v.object({ author: v.string(), limit: v.optional(v.number()) }), handler: () => null });
    expect(fromFields.args?.kind).toBe("object");
    expect(fromFields.args?.json).toEqual(fromObject.args?.json);
    expect(JSON.parse(fromFields.exportArgs())).toEqual({
      type: "object",
      value: { author: { fieldType: { type: "string" }, optional: false }, limit: { fieldType: { type: "number" }, optional: true } },
    });
  });

  it("exports args and returns like Convex when absent", () => {
    const bare = mutationGeneric(() => 1);
    expect(bare.args).toBeUndefined();
    expect(bare.returns).toBeUndefined();
    expect(bare.exportArgs()).toBe('{"type":"any"}');
    expect(bare.exportReturns()).toBe("null");
    const typed = queryGeneric({ args: {}, returns: v.array(v.string()), handler: () => [] });
    expect(JSON.parse(typed.exportReturns())).toEqual({ type: "array", value: { type: "string" } });
    const objectReturns = queryGeneric({ returns: { n: v.number() }, handler: () => ({ n: 1 }) });
    expect(objectReturns.returns?.kind).toBe("object");
  });

  it("rejects definitions without a handler or with bad validators", () => {
    expect(() => queryGeneric({} as never)).toThrow(/query\(\): needs a handler function/);
    expect(() => mutationGeneric(undefined as never)).toThrow(/mutation\(\): needs a handler function/);
    expect(() => queryGeneric({ args: { a: "string" }, handler: () => null } as never)).toThrow(/query\(\): args: .*must be a validator/);
    expect(() => queryGeneric({ args: 5, handler: () => null } as never)).toThrow(/args must be an object of validators/);
    expect(() => queryGeneric({ args: v.optional(v.object({})), handler: () => null } as never)).toThrow(/args cannot be v.optional/);
    expect(() => internalQueryGeneric({ returns: "x", handler: () => null } as never)).toThrow(/internalQuery\(\): returns must be/);
  });

  it("registers actions, public and internal", () => {
    const action = actionGeneric({ args: { n: v.number() }, handler: () => null });
    const internal = internalActionGeneric(() => null);
    expect([action.type, action.isAction, action.isPublic, internal.visibility, isRegisteredFunction(internal)]).toEqual(["action", true, true, "internal", true]);
  });

  it("isRegisteredFunction rejects lookalikes", () => {
    expect(isRegisteredFunction(null)).toBe(false);
    expect(isRegisteredFunction({ isConvoyFunction: true, type: "cron", visibility: "public", handler: () => null })).toBe(false);
    expect(isRegisteredFunction({ isConvoyFunction: true, type: "query", visibility: "public" })).toBe(false);
  });
});

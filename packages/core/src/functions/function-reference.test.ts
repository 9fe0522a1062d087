import { describe, expect, it } from "vitest";
import { anyApi } from "./any-api.js";
import { functionNameSymbol, getFunctionName, makeFunctionReference } from "./function-reference.js";

describe("function references", () => {
  it("anyApi names module:export, folders joined with /", () => {
    expect(getFunctionName(anyApi.messages!.list!)).toBe("messages:list");
    expect(getFunctionName(anyApi.admin!.users!.list!)).toBe("admin/users:list");
    expect(getFunctionName(anyApi.a!.b!.c!.d!)).toBe("a/b/c:d");
    expect((anyApi.messages!.list! as unknown as Record<symbol, unknown>)[functionNameSymbol]).toBe("messages:list");
  });

  it("anyApi needs a module and an export", () => {
    expect(() => getFunctionName(anyApi.messages!)).toThrow(/needs a module and a function name.*api\.messages/);
  });

  it("anyApi references are not thenables and describe themselves", () => {
    expect(typeof (anyApi.messages as unknown as { then: unknown }).then).not.toBe("function");
    expect(Object.prototype.toString.call(anyApi.messages!.list)).toBe("[object FunctionReference]");
  });

  it("makeFunctionReference and getFunctionName round-trip; strings pass through", () => {
    expect(getFunctionName(makeFunctionReference<"query">("admin/users:list"))).toBe("admin/users:list");
    expect(getFunctionName("messages:send")).toBe("messages:send");
    expect(() => makeFunctionReference("")).toThrow(/needs a function name/);
  });

  it("reads references made by Convex's anyApi (Symbol.for('functionName'))", () => {
    const convexStyle = { [Symbol.for("functionName")]: "messages:list" };
    expect(getFunctionName(convexStyle as never)).toBe("messages:list");
  });

  it("rejects what is not a reference", () => {
    expect(() => getFunctionName({} as never)).toThrow(/expected a function reference/);
    expect(() => getFunctionName(null as never)).toThrow(/expected a function reference/);
  });
});

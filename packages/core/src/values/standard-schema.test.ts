import type { StandardSchemaV1 } from "@standard-schema/spec";
import { describe, expect, it } from "vitest";
import { v } from "./v.js";

async function standardValidate<TSchema extends StandardSchemaV1>(schema: TSchema, value: unknown): Promise<StandardSchemaV1.Result<StandardSchemaV1.InferOutput<TSchema>>> {
  return schema["~standard"].validate(value);
}

describe("Standard Schema v1", () => {
  const schema = v.object({ author: v.string(), items: v.array(v.object({ name: v.string() })), likes: v.optional(v.int64()) });

  it("has version, vendor and validate", () => {
    expect(schema["~standard"].version).toBe(1);
    expect(schema["~standard"].vendor).toBe("convoy");
    expect(typeof schema["~standard"].validate).toBe("function");
  });

  it("returns the value on success", async () => {
    const value = { author: "ada", items: [{ name: "x" }], likes: 2n };
    expect(await standardValidate(schema, value)).toEqual({ value });
  });

  it("returns issues with message and path on failure", async () => {
    const result = await standardValidate(schema, { author: "ada", items: [{ name: 1 }] });
    expect(result).toEqual({ issues: [{ message: "expected string, got number", path: ["items", 0, "name"] }] });
    expect(await standardValidate(v.string(), 1)).toEqual({ issues: [{ message: "expected string, got number", path: [] }] });
  });

  it("works on every validator kind", async () => {
    expect((await standardValidate(v.union(v.literal("a"), v.null()), null)).issues).toBeUndefined();
    expect((await standardValidate(v.record(v.string(), v.bytes()), { a: new ArrayBuffer(1) })).issues).toBeUndefined();
    expect((await standardValidate(v.optional(v.number()), undefined)).issues).toBeUndefined();
    expect((await standardValidate(v.any(), JSON.parse('{"__proto__":1}'))).issues).toHaveLength(1);
  });
});

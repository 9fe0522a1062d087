import { describe, expect, it } from "vitest";
import { validatorFromJSON, validatorToJSON } from "./validator-from-json.js";
import { v } from "./v.js";
import type { GenericValidator } from "./validators.js";

describe("validator JSON", () => {
  it("describes validators in Convex's format", () => {
    const cases: [GenericValidator, unknown][] = [
      [v.string(), { type: "string" }],
      [v.number(), { type: "number" }],
      [v.float64(), { type: "number" }],
      [v.int64(), { type: "bigint" }],
      [v.boolean(), { type: "boolean" }],
      [v.null(), { type: "null" }],
      [v.any(), { type: "any" }],
      [v.bytes(), { type: "bytes" }],
      [v.id("users"), { type: "id", tableName: "users" }],
      [v.literal("a"), { type: "literal", value: "a" }],
      [v.literal(1n), { type: "literal", value: { $integer: "AQAAAAAAAAA=" } }],
      [v.array(v.string()), { type: "array", value: { type: "string" } }],
      [
        v.object({ a: v.string(), b: v.optional(v.number()) }),
        { type: "object", value: { a: { fieldType: { type: "string" }, optional: false }, b: { fieldType: { type: "number" }, optional: true } } },
      ],
      [v.record(v.string(), v.int64()), { type: "record", keys: { type: "string" }, values: { fieldType: { type: "bigint" }, optional: false } }],
      [v.union(v.string(), v.null()), { type: "union", value: [{ type: "string" }, { type: "null" }] }],
      [v.nullable(v.id("t")), { type: "union", value: [{ type: "id", tableName: "t" }, { type: "null" }] }],
    ];
    for (const [validator, json] of cases) {
      expect(validator.json).toEqual(json);
      expect(validatorToJSON(validator)).toEqual(json);
      expect(JSON.parse(JSON.stringify(validator))).toEqual(json);
    }
  });

  it("rebuilds validators from JSON", () => {
    const validator = v.object({
      a: v.string(),
      b: v.optional(v.array(v.union(v.literal(1n), v.literal(-0), v.bytes()))),
      c: v.record(v.id("users"), v.nullable(v.any())),
      constructor: v.object({ nested: v.optional(v.boolean()) }),
    });
    const rebuilt = validatorFromJSON(validator.json);
    expect(rebuilt.json).toEqual(validator.json);
    expect(rebuilt.kind).toBe("object");
    expect(rebuilt.kind === "object" && rebuilt.fields.b!.isOptional).toBe("optional");
  });

  it("rejects malformed JSON", () => {
    expect(() => validatorFromJSON({ type: "nope" } as never)).toThrow(/unknown validator type "nope"/);
    expect(() => validatorFromJSON({ type: "array" } as never)).toThrow(/validator.value/);
    expect(() => validatorFromJSON({ type: "object", value: { $a: { fieldType: { type: "string" }, optional: false } } })).toThrow(/"\$a"/);
  });
});

import { describe, expect, it } from "vitest";
import { newId } from "../storage/ids.js";
import { validateValue } from "./validate-value.js";
import { v } from "./v.js";
import type { GenericValidator } from "./validators.js";

function message(validator: GenericValidator, value: unknown): string | undefined {
  return validateValue(validator, value, "args")?.message;
}

describe("validateValue: primitives", () => {
  const cases: [string, GenericValidator, unknown[], [unknown, string][]][] = [
    ["string", v.string(), ["", "ada"], [[1, "expected string, got number"], [null, "expected string, got null"]]],
    ["number", v.number(), [0, -0, 1.5, NaN, Infinity, -Infinity], [["1", "expected number, got string"], [1n, "expected number, got bigint"]]],
    ["float64", v.float64(), [3, NaN], [[true, "expected number, got boolean"]]],
    [
      "int64",
      v.int64(),
      [0n, -(2n ** 63n), 2n ** 63n - 1n],
      [
        [1, "expected bigint, got number"],
        [2n ** 63n, "bigint 9223372036854775808n is outside the int64 range"],
        [-(2n ** 63n) - 1n, "bigint -9223372036854775809n is outside the int64 range"],
      ],
    ],
    ["boolean", v.boolean(), [true, false], [[0, "expected boolean, got number"]]],
    ["null", v.null(), [null], [[undefined, "expected null, got undefined"], [{}, "expected null, got object"]]],
    ["bytes", v.bytes(), [new ArrayBuffer(0), new ArrayBuffer(3)], [[new Uint8Array(2), "expected bytes, got Uint8Array"], [[], "expected bytes, got array"]]],
    [
      "id",
      v.id("users"),
      [newId("users")],
      [
        [1, 'expected Id<"users">, got number'],
        ["abc", 'expected Id<"users">, got a string that is not a document id: "abc"'],
        [newId("messages"), 'expected Id<"users">, got an id of another table'],
      ],
    ],
    ["literal string", v.literal("a"), ["a"], [["b", 'expected "a", got "b"'], [1, 'expected "a", got 1']]],
    ["literal number", v.literal(0), [0], [[-0, "expected 0, got -0"], ["0", 'expected 0, got "0"']]],
    ["literal bigint", v.literal(5n), [5n], [[5, "expected 5n, got 5"]]],
    ["literal boolean", v.literal(true), [true], [[false, "expected true, got false"]]],
  ];
  for (const [name, validator, good, bad] of cases) {
    it(`${name} accepts valid values`, () => {
      for (const value of good) expect(validateValue(validator, value)).toBeNull();
    });
    it(`${name} rejects invalid values with the path`, () => {
      for (const [value, reason] of bad) {
        const issue = validateValue(validator, value, "args");
        expect(issue).toEqual({ path: [], reason, message: `args: ${reason}` });
      }
    });
  }

  it("names the field path in messages", () => {
    expect(message(v.object({ author: v.string() }), { author: 1 })).toBe("args.author: expected string, got number");
  });

  it("rejects functions, symbols and class instances with their type name", () => {
    expect(message(v.string(), () => 1)).toBe("args: expected string, got function");
    expect(message(v.string(), Symbol("s"))).toBe("args: expected string, got symbol");
    expect(message(v.object({}), new Date(0))).toBe("args: expected object, got Date");
  });
});

describe("validateValue: objects", () => {
  const message_ = v.object({ author: v.string(), body: v.string(), likes: v.optional(v.number()) });

  it("accepts exact objects, optional fields absent or undefined", () => {
    expect(validateValue(message_, { author: "a", body: "b" })).toBeNull();
    expect(validateValue(message_, { author: "a", body: "b", likes: 3 })).toBeNull();
    expect(validateValue(message_, { author: "a", body: "b", likes: undefined })).toBeNull();
    expect(validateValue(message_, Object.assign(Object.create(null) as object, { author: "a", body: "b" }))).toBeNull();
  });

  it("is strict: extra fields are rejected", () => {
    expect(message(message_, { author: "a", body: "b", extra: 1 })).toBe('args.extra: unexpected field "extra"');
  });

  it("treats fields set to undefined as absent", () => {
    expect(validateValue(message_, { author: "a", body: "b", extra: undefined })).toBeNull();
    expect(message(message_, { author: "a", body: undefined })).toBe("args.body: missing required field");
  });

  it("reports missing required fields", () => {
    expect(message(message_, { author: "a" })).toBe("args.body: missing required field");
    expect(message(v.object({ constructor: v.string() }), {})).toBe("args.constructor: missing required field");
  });

  it("rejects non-plain objects and arrays", () => {
    expect(message(message_, [])).toBe("args: expected object, got array");
    expect(message(message_, null)).toBe("args: expected object, got null");
    class Message {
      author = "a";
      body = "b";
    }
    expect(message(message_, new Message())).toBe("args: expected object, got Message");
  });

  it("paths through nested objects and arrays", () => {
    const order = v.object({ items: v.array(v.object({ name: v.string(), qty: v.int64() })) });
    const value = { items: [{ name: "a", qty: 1n }, { name: "b", qty: 2n }, { name: 3, qty: 3n }] };
    expect(message(order, value)).toBe("args.items[2].name: expected string, got number");
    expect(validateValue(order, value)?.path).toEqual(["items", 2, "name"]);
    expect(message(v.object({ "a b": v.object({ c: v.string() }) }), { "a b": { c: 1 } })).toBe('args["a b"].c: expected string, got number');
  });

  it("treats constructor and prototype as ordinary fields; nested _ keys are data", () => {
    const validator = v.object({ constructor: v.string(), prototype: v.number(), _meta: v.object({ _x: v.null() }) });
    expect(validateValue(validator, { constructor: "c", prototype: 1, _meta: { _x: null } })).toBeNull();
  });

  it("rejects $ and __proto__ keys", () => {
    const validator = v.object({ a: v.optional(v.string()) });
    expect(message(validator, { $a: 1 })).toBe('args.$a: field name "$a" is reserved: names must not start with "$"');
    expect(message(validator, JSON.parse('{"__proto__": {"polluted": 1}}'))).toBe('args.__proto__: field name "__proto__" is not allowed');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("rejects invalid field names at definition, naming the field", () => {
    expect(() => v.object({ $bad: v.string() })).toThrow(/"\$bad"/);
    expect(() => v.object({ "": v.string() })).toThrow(/must not be empty/);
    expect(() => v.object({ ["__proto__"]: v.string() })).toThrow(/"__proto__"/);
    expect(() => v.object({ __proto__: v.string() } as never)).toThrow(/__proto__/);
    expect(() => v.object({ a: "string" } as never)).toThrow(/field "a" must be a validator/);
  });

  it("exposes fields and kind", () => {
    const validator = v.object({ a: v.string() });
    expect(validator.kind).toBe("object");
    expect(validator.fields.a.kind).toBe("string");
    expect(validator.isOptional).toBe("required");
  });
});

describe("validateValue: optional", () => {
  it("returns a copy marked optional", () => {
    const inner = v.string();
    const optional = v.optional(inner);
    expect(optional.isOptional).toBe("optional");
    expect(inner.isOptional).toBe("required");
    expect(optional.kind).toBe("string");
    expect(v.optional(v.object({ a: v.string() })).fields.a.kind).toBe("string");
  });

  it("accepts undefined at the top level only when optional", () => {
    expect(validateValue(v.optional(v.string()), undefined)).toBeNull();
    expect(validateValue(v.string(), undefined)?.reason).toBe("expected string, got undefined");
  });
});

describe("validateValue: arrays", () => {
  it("checks every element", () => {
    expect(validateValue(v.array(v.number()), [1, 2, 3])).toBeNull();
    expect(message(v.array(v.number()), [1, "2"])).toBe("args[1]: expected number, got string");
    expect(message(v.array(v.number()), [1, undefined])).toBe("args[1]: expected number, got undefined");
    expect(message(v.array(v.number()), { 0: 1 })).toBe("args: expected array, got object");
  });

  it("rejects optional elements at definition", () => {
    expect(() => v.array(v.optional(v.string()) as never)).toThrow(/cannot be optional/);
  });
});

describe("validateValue: unions", () => {
  it("accepts any member", () => {
    const validator = v.union(v.string(), v.number(), v.null());
    for (const value of ["a", 1, null]) expect(validateValue(validator, value)).toBeNull();
  });

  it("lists what was expected", () => {
    expect(message(v.union(v.string(), v.number(), v.null()), true)).toBe("args: expected string | number | null, got boolean");
    expect(message(v.union(v.literal("a"), v.literal("b")), "c")).toBe('args: expected "a" | "b", got "c"');
    expect(message(v.union(), 1)).toBe("args: expected nothing (empty union), got number");
  });

  it("reports the nested issue when only one member has the value's shape", () => {
    const validator = v.union(v.string(), v.object({ kind: v.literal("x"), n: v.number() }));
    expect(message(validator, { kind: "x", n: "1" })).toBe("args.n: expected number, got string");
  });

  it("nullable is a union with null", () => {
    const validator = v.nullable(v.string());
    expect(validator.kind).toBe("union");
    expect(validator.members.map((member) => member.kind)).toEqual(["string", "null"]);
    expect(validateValue(validator, null)).toBeNull();
    expect(message(validator, 1)).toBe("args: expected string | null, got number");
  });
});

describe("validateValue: records", () => {
  const validator = v.record(v.string(), v.number());

  it("checks keys and values", () => {
    expect(validateValue(validator, { a: 1, constructor: 2, prototype: 3, _x: 4 })).toBeNull();
    expect(message(validator, { a: "1" })).toBe("args.a: expected number, got string");
    const ids = v.record(v.union(v.literal("a"), v.literal("b")), v.boolean());
    expect(message(ids, { c: true })).toBe('args.c: invalid key "c": expected "a" | "b", got "c"');
    expect(validator.key.kind).toBe("string");
    expect(validator.value.kind).toBe("float64");
  });

  it("rejects $ and __proto__ keys", () => {
    expect(message(validator, { $a: 1 })).toBe('args.$a: field name "$a" is reserved: names must not start with "$"');
    expect(message(validator, JSON.parse('{"__proto__": 1}'))).toBe('args.__proto__: field name "__proto__" is not allowed');
  });

  it("rejects invalid key and value validators at definition", () => {
    expect(() => v.record(v.number() as never, v.string())).toThrow(/keys must be/);
    expect(() => v.record(v.string(), v.optional(v.string()) as never)).toThrow(/cannot be optional/);
  });
});

describe("validateValue: any", () => {
  it("accepts any valid value and rejects the rest", () => {
    expect(validateValue(v.any(), { a: [1n, new ArrayBuffer(1), null, { b: NaN }] })).toBeNull();
    expect(message(v.object({ data: v.any() }), { data: { deep: [{ $x: 1 }] } })).toBe(
      'args.data.deep[0].$x: field name "$x" is reserved: names must not start with "$"',
    );
    expect(message(v.any(), { f: () => 1 })).toBe("args.f: expected a Convoy value, got function");
    expect(message(v.any(), [undefined])).toBe("args[0]: undefined is not allowed in an array (use null)");
    expect(message(v.any(), undefined)).toBe("args: expected a value, got undefined");
  });

  it("bounds depth (and so cycles)", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(message(v.any(), cyclic)).toMatch(/nested more than 64 levels/);
  });
});

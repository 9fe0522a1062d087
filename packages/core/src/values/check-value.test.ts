import { describe, expect, it } from "vitest";
import { FrameworkError } from "../errors/framework-error.js";
import { assertValue, checkValue } from "./check-value.js";

describe("checkValue", () => {
  it("accepts valid values", () => {
    const nullProto = Object.create(null) as Record<string, unknown>;
    nullProto.a = 1;
    for (const value of [null, 1, NaN, -0, "s", true, 1n, new ArrayBuffer(2), [], {}, nullProto, { a: [{ b: { _c: null } }] }, { u: undefined }]) {
      expect(checkValue(value)).toBeNull();
    }
  });

  it("rejects invalid values with the path", () => {
    const cases: [unknown, string][] = [
      [undefined, "value: expected a Convoy value, got undefined"],
      [{ f: () => 1 }, "value.f: expected a Convoy value, got function"],
      [{ s: Symbol("x") }, "value.s: expected a Convoy value, got symbol"],
      [[1, undefined], "value[1]: undefined is not allowed in an array (use null)"],
      [[1, , 3], "value[1]: undefined is not allowed in an array (use null)"],
      [{ d: new Date(0) }, "value.d: expected a Convoy value, got Date"],
      [{ m: new Map() }, "value.m: expected a Convoy value, got Map"],
      [{ u: new Uint8Array(1) }, "value.u: expected a Convoy value, got Uint8Array"],
      [{ a: { $b: 1 } }, 'value.a.$b: field name "$b" is reserved: names must not start with "$"'],
      [{ big: 2n ** 63n }, "value.big: bigint 9223372036854775808n is outside the int64 range"],
    ];
    for (const [value, message] of cases) expect(checkValue(value)?.message).toBe(message);
  });

  it("rejects __proto__ keys at any depth without polluting", () => {
    const issue = checkValue(JSON.parse('{"a":{"b":[{"__proto__":{"polluted":1}}]}}'), "args");
    expect(issue?.message).toBe('args.a.b[0].__proto__: field name "__proto__" is not allowed');
    expect(issue?.path).toEqual(["a", "b", 0, "__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("treats constructor and prototype as ordinary keys", () => {
    expect(checkValue({ constructor: 1, prototype: { constructor: "x" } })).toBeNull();
  });

  it("assertValue throws a FrameworkError with the code and path", () => {
    expect(() => {
      assertValue({ ok: 1 });
    }).not.toThrow();
    try {
      assertValue({ a: [() => 1] }, "result", "INTERNAL");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FrameworkError);
      expect(error).toMatchObject({ code: "INTERNAL", path: "a[0]", message: "result.a[0]: expected a Convoy value, got function" });
    }
  });
});

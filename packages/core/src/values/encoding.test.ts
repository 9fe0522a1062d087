import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameworkError } from "../errors/framework-error.js";
import { decodeValue, encodeValue, isWireJson } from "./encoding.js";
import { MAX_INT64, MIN_INT64 } from "./int64.js";
import type { JSONValue, Value } from "./value.js";

const key = fc.string().filter((text) => !text.startsWith("$") && text !== "__proto__");
const float = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, Number.MAX_VALUE, Number.MIN_VALUE));
const int64 = fc.oneof(fc.bigInt({ min: MIN_INT64, max: MAX_INT64 }), fc.constantFrom(MIN_INT64, MAX_INT64, 0n, -1n, 1n));
const bytes = fc.uint8Array({ maxLength: 40 }).map((array) => array.slice().buffer);
const { value: arbitraryValue } = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.string(),
    float,
    int64,
    bytes,
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(key, tie("value"), { maxKeys: 5 }),
  ),
}));

/** Deep equality that tells NaN, -0 and bytes apart exactly. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === "number" || typeof a === "bigint") return Object.is(a, b);
  if (a instanceof ArrayBuffer) return b instanceof ArrayBuffer && Buffer.from(a).equals(Buffer.from(b));
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, index) => same(item, b[index]));
  if (typeof a === "object" && a !== null) {
    if (typeof b !== "object" || b === null || Array.isArray(b) || b instanceof ArrayBuffer) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && same((a as never)[k], (b as never)[k]));
  }
  return a === b;
}

function decodeError(json: unknown): FrameworkError {
  try {
    decodeValue(json as JSONValue);
  } catch (error) {
    expect(error).toBeInstanceOf(FrameworkError);
    return error as FrameworkError;
  }
  throw new Error("expected decodeValue to throw");
}

describe("encodeValue / decodeValue", () => {
  it("round-trips every value exactly, through JSON text too", () => {
    fc.assert(
      fc.property(arbitraryValue, (value) => {
        const json = encodeValue(value);
        expect(same(decodeValue(json), value)).toBe(true);
        expect(same(decodeValue(JSON.parse(JSON.stringify(json)) as JSONValue), value)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("uses Convex's exact wire format", () => {
    expect(encodeValue(1n)).toEqual({ $integer: "AQAAAAAAAAA=" });
    expect(encodeValue(-1n)).toEqual({ $integer: "//////////8=" });
    expect(encodeValue(0n)).toEqual({ $integer: "AAAAAAAAAAA=" });
    expect(encodeValue(MAX_INT64)).toEqual({ $integer: "/////////38=" });
    expect(encodeValue(MIN_INT64)).toEqual({ $integer: "AAAAAAAAAIA=" });
    expect(encodeValue(NaN)).toEqual({ $float: "AAAAAAAA+H8=" });
    expect(encodeValue(Infinity)).toEqual({ $float: "AAAAAAAA8H8=" });
    expect(encodeValue(-Infinity)).toEqual({ $float: "AAAAAAAA8P8=" });
    expect(encodeValue(-0)).toEqual({ $float: "AAAAAAAAAIA=" });
    expect(encodeValue(new Uint8Array([1, 2, 3]).buffer)).toEqual({ $bytes: "AQID" });
    expect(encodeValue(new ArrayBuffer(0))).toEqual({ $bytes: "" });
    expect(encodeValue({ a: 0, b: 1.5, c: [true, null, "s"], d: undefined })).toEqual({ a: 0, b: 1.5, c: [true, null, "s"] });
    expect(Object.keys(encodeValue({ d: undefined }) as object)).toEqual([]);
  });

  it("decodes known Convex encodings", () => {
    expect(decodeValue({ $integer: "AQAAAAAAAAA=" })).toBe(1n);
    expect(decodeValue({ $float: "AAAAAAAAAIA=" })).toBe(-0);
    expect(Object.is(decodeValue({ $float: "AAAAAAAAAIA=" }), -0)).toBe(true);
    expect(decodeValue({ $float: "AAAAAAAA+H8=" })).toBeNaN();
    const decoded = decodeValue({ $bytes: "AQID" });
    expect(decoded).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(decoded as ArrayBuffer)]).toEqual([1, 2, 3]);
  });

  it("rejects values that are not Convoy values, naming the path", () => {
    expect(() => encodeValue({ a: [1, undefined] } as never)).toThrow("cannot encode value at a[1]: undefined is not allowed in an array (use null)");
    expect(() => encodeValue({ a: { $b: 1 } })).toThrow('cannot encode value at a.$b: field name "$b" is reserved');
    expect(() => encodeValue({ when: new Date() } as never)).toThrow("at when: expected a Convoy value, got Date");
    expect(() => encodeValue(2n ** 64n)).toThrow("outside the int64 range");
  });

  it("rejects malformed tags", () => {
    expect(decodeError({ $integer: "AQAAAAAAAA==" }).message).toBe("cannot decode value: malformed $integer: expected 8 bytes, got 7");
    expect(decodeError({ $integer: 1 }).message).toMatch(/malformed \$integer: expected a base64 string/);
    expect(decodeError({ $float: "AQAAAAAAAAA" }).message).toMatch(/expected a base64 string/);
    expect(decodeError({ $float: "AAAAAAAA8D8=" }).message).toMatch(/1 must be sent as a plain JSON number/);
    expect(decodeError({ $bytes: "A Q==" }).message).toMatch(/expected a base64 string/);
    expect(decodeError({ $bytes: "AQ" }).message).toMatch(/expected a base64 string/);
    expect(decodeError({ x: [{ $set: "1" }] }).message).toBe('cannot decode value at x[0].$set: unknown tag "$set" (keys starting with "$" are reserved)');
    expect(decodeError({ x: { $integer: "AQAAAAAAAAA=", y: 1 } }).path).toBe("x.$integer");
    expect(decodeError({ a: undefined }).code).toBe("BAD_REQUEST");
    expect(decodeError(new Date()).message).toMatch(/expected JSON, got Date/);
  });

  it("never pollutes a prototype", () => {
    for (const text of ['{"__proto__":{"polluted":1}}', '{"a":[{"__proto__":{"polluted":1}}]}', '{"constructor":{"prototype":{"polluted":1}}}']) {
      const json = JSON.parse(text) as JSONValue;
      try {
        const decoded = decodeValue(json);
        expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
      } catch (error) {
        expect((error as Error).message).toMatch(/"__proto__" is not allowed/);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    }
    const decoded = decodeValue(JSON.parse('{"constructor":{"prototype":1},"prototype":2}') as JSONValue);
    expect(decoded).toEqual({ constructor: { prototype: 1 }, prototype: 2 });
    expect(Object.hasOwn(decoded as object, "constructor")).toBe(true);
  });
});

describe("isWireJson", () => {
  const anything = fc.anything({ withBigInt: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withObjectString: true, withDate: true, withMap: true });

  it("is true exactly when JSON.stringify of the value is the text of its encoding", () => {
    fc.assert(
      fc.property(anything, (value) => {
        if (!isWireJson(value)) return;
        expect(JSON.stringify(value)).toBe(JSON.stringify(encodeValue(value as Value)));
      }),
      { numRuns: 2000 },
    );
  });

  it("is false for what needs encoding or cannot be encoded", () => {
    for (const value of [1n, NaN, -0, Infinity, new ArrayBuffer(2), [undefined], { $a: 1 }, { a: [1, { b: 2n }] }, new Date(), undefined, () => 1]) {
      expect(isWireJson(value)).toBe(false);
    }
    expect(isWireJson({ a: [1, "x", null, true, { b: undefined }] })).toBe(true);
  });
});

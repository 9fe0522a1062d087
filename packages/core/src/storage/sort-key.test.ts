import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { storableValue } from "../../test/helpers/arbitraries.js";
import { compareValues } from "../values/compare.js";
import type { Value } from "../values/value.js";
import { bytesToHex, scalarFromSortKey, sortKey, sortKeyHex } from "./sort-key.js";

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

const anyValue = fc.oneof(storableValue, fc.string({ unit: "binary", maxLength: 4 }) as fc.Arbitrary<Value>);

describe("sortKeyHex", () => {
  it("is the hex of sortKey, for every value (its fast paths: numbers, short ASCII strings)", () => {
    const strings = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "binary-ascii", maxLength: 200 }), fc.string({ unit: "grapheme-ascii" }));
    const numbers = fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE));
    fc.assert(
      fc.property(fc.option(fc.oneof(anyValue, strings as fc.Arbitrary<Value>, numbers as fc.Arbitrary<Value>), { nil: undefined }), (value) => {
        expect(sortKeyHex(value)).toBe(bytesToHex(sortKey(value)));
      }),
      { numRuns: 3000 },
    );
    expect(sortKeyHex("a\u0000b")).toBe(bytesToHex(sortKey("a\u0000b")));
    expect(sortKeyHex("x".repeat(129))).toBe(bytesToHex(sortKey("x".repeat(129))));
  });
});

describe("sortKey", () => {
  it("orders byte-wise exactly as compareValues orders values", () => {
    fc.assert(
      fc.property(fc.option(anyValue, { nil: undefined }), fc.option(anyValue, { nil: undefined }), (a, b) => {
        expect(Math.sign(compareBytes(sortKey(a), sortKey(b)))).toBe(Math.sign(compareValues(a, b)));
      }),
      { numRuns: 2000 },
    );
  });

  it("follows Convex's type order and IEEE float order", () => {
    const ordered: (Value | undefined)[] = [
      undefined,
      null,
      -(2n ** 63n),
      0n,
      2n ** 63n - 1n,
      -Infinity,
      -1,
      -0,
      0,
      Number.MIN_VALUE,
      Infinity,
      NaN,
      false,
      true,
      "",
      "A",
      "B",
      "a",
      "b",
      "\uFFFF",
      "\u{10000}",
      new ArrayBuffer(0),
      new Uint8Array([0]).buffer,
      new Uint8Array([1]).buffer,
      [],
      [null],
      [1n],
      {},
      { a: null },
      { a: 1 },
      { b: null },
    ];
    for (let i = 0; i + 1 < ordered.length; i++) {
      expect(compareValues(ordered[i], ordered[i + 1]), String(i)).toBe(-1);
      expect(compareBytes(sortKey(ordered[i]), sortKey(ordered[i + 1])), String(i)).toBe(-1);
    }
  });

  it("compares strings by code point, not UTF-16 unit", () => {
    expect(compareValues("\uFFFF", "\u{10000}")).toBe(-1);
    expect("\uFFFF" < "\u{10000}").toBe(false);
  });
});

describe("scalarFromSortKey", () => {
  it("inverts sortKey for missing, int64, float64 (-0, NaN, ±Infinity), boolean and string values", () => {
    const values = [undefined, 0n, -(2n ** 63n), 2n ** 63n - 1n, 0, -0, NaN, Infinity, -Infinity, 1.5, -2.5e-300, true, false, "", "a\u0000b", "héllo \u{1F600}"];
    for (const value of values) {
      const decoded = scalarFromSortKey(Buffer.from(sortKey(value)).toString("hex"));
      expect(Object.is(decoded.value, value)).toBe(true);
    }
    expect(scalarFromSortKey(Buffer.from(sortKey([1])).toString("hex"))).toEqual({ rank: 8 });
    expect(scalarFromSortKey(Buffer.from(sortKey(null)).toString("hex"))).toEqual({ rank: 2 });
  });
});

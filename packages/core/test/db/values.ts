import { compareValues } from "../../src/values/compare.js";
import type { Value } from "../../src/values/value.js";

const bytes = (...b: number[]) => new Uint8Array(b).buffer;

/** One value of every kind, with the edge cases of each (`undefined` = missing field). */
export const SAMPLE_VALUES: { label: string; value: Value | undefined }[] = [
  { label: "missing", value: undefined },
  { label: "null", value: null },
  { label: "int64 min", value: -(2n ** 63n) },
  { label: "int64 -5", value: -5n },
  { label: "int64 0", value: 0n },
  { label: "int64 5", value: 5n },
  { label: "int64 max", value: 2n ** 63n - 1n },
  { label: "float -Infinity", value: -Infinity },
  { label: "float -5", value: -5 },
  { label: "float -0", value: -0 },
  { label: "float 0", value: 0 },
  { label: "float 0.5", value: 0.5 },
  { label: "float 5", value: 5 },
  { label: "float 1e300", value: 1e300 },
  { label: "float Infinity", value: Infinity },
  { label: "float NaN", value: NaN },
  { label: "false", value: false },
  { label: "true", value: true },
  { label: "empty string", value: "" },
  { label: "string A", value: "A" },
  { label: "string B", value: "B" },
  { label: "string a", value: "a" },
  { label: "string ab", value: "ab" },
  { label: "string b", value: "b" },
  { label: "string é", value: "é" },
  { label: "string 😀", value: "\u{1F600}" },
  { label: "string \uFFFD", value: "\uFFFD" },
  { label: "empty bytes", value: bytes() },
  { label: "bytes 00", value: bytes(0) },
  { label: "bytes 00 ff", value: bytes(0, 255) },
  { label: "bytes 01", value: bytes(1) },
  { label: "empty array", value: [] },
  { label: "array [1]", value: [1] },
  { label: "array [1, 2]", value: [1, 2] },
  { label: "array [2n]", value: [2n] },
  { label: "array ['a']", value: ["a"] },
  { label: "empty object", value: {} },
  { label: "object {a: 1}", value: { a: 1 } },
  { label: "object {a: 2}", value: { a: 2 } },
  { label: "object {a: 1, b: 1}", value: { a: 1, b: 1 } },
  { label: "object {b: 0}", value: { b: 0 } },
];

/** Values used as range bounds and filter operands: the samples plus values between them. */
export const PROBE_VALUES: { label: string; value: Value | undefined }[] = [
  ...SAMPLE_VALUES,
  { label: "int64 3 (absent)", value: 3n },
  { label: "float 3 (absent)", value: 3 },
  { label: "string aa (absent)", value: "aa" },
  { label: "string Z (absent)", value: "Z" },
];

export type Op = "eq" | "gt" | "gte" | "lt" | "lte";

/** Whether `value op probe` holds in Convoy's total order. */
export function holds(op: Op | "neq", value: Value | undefined, probe: Value | undefined): boolean {
  const c = compareValues(value, probe);
  switch (op) {
    case "eq":
      return c === 0;
    case "neq":
      return c !== 0;
    case "gt":
      return c > 0;
    case "gte":
      return c >= 0;
    case "lt":
      return c < 0;
    case "lte":
      return c <= 0;
  }
}

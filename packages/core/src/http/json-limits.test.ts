import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonLimitViolation } from "./json-limits.js";

/** Reference: depth and longest array of a parsed value. */
function measure(value: unknown): { depth: number; longest: number } {
  if (typeof value !== "object" || value === null) return { depth: 0, longest: 0 };
  const children = Array.isArray(value) ? (value as unknown[]) : Object.values(value);
  let depth = 0;
  let longest = Array.isArray(value) ? value.length : 0;
  for (const child of children) {
    const inner = measure(child);
    depth = Math.max(depth, inner.depth);
    longest = Math.max(longest, inner.longest);
  }
  return { depth: depth + 1, longest };
}

describe("jsonLimitViolation", () => {
  it("counts nesting and array elements, ignoring brackets and commas inside strings", () => {
    expect(jsonLimitViolation("[[1]]", 2, 10)).toBeNull();
    expect(jsonLimitViolation("[[[1]]]", 2, 10)).toBe("JSON nests deeper than 2 levels");
    expect(jsonLimitViolation('{"a":{"b":{}}}', 2, 10)).toBe("JSON nests deeper than 2 levels");
    expect(jsonLimitViolation("[1,2,3]", 5, 3)).toBeNull();
    expect(jsonLimitViolation("[1,2,3,4]", 5, 3)).toBe("a JSON array has more than 3 elements");
    expect(jsonLimitViolation('{"a":1,"b":2,"c":3,"d":4}', 5, 3)).toBeNull();
    expect(jsonLimitViolation('["[[[[", "\\"]]]]", ",,,,,,"]', 1, 3)).toBeNull();
    expect(jsonLimitViolation("[[1,2],[3,4],[5,6]]", 5, 3)).toBeNull();
  });

  it("agrees with a walk over the parsed value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), (value, maxDepth, maxArrayLength) => {
        const { depth, longest } = measure(value);
        const violation = jsonLimitViolation(JSON.stringify(value), maxDepth, maxArrayLength);
        expect(violation === null).toBe(depth <= maxDepth && longest <= maxArrayLength);
      }),
      { numRuns: 500 },
    );
  });

  it("scans a megabyte of brackets without recursion", () => {
    expect(jsonLimitViolation("[".repeat(1 << 20), 64, 8192)).toBe("JSON nests deeper than 64 levels");
  });
});

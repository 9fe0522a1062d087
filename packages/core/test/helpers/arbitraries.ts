import fc from "fast-check";
import type { Value } from "../../src/values/value.js";

/** Strings that matter for ordering: case, accents, astral code points, prefixes. */
const trickyString = fc.constantFrom("", "a", "A", "b", "B", "ab", "aB", "é", "e", "z", "Z", "ä", "\u{1F600}", "\uFFFD", "10", "9", " ", "a b");

/** Strings Postgres `jsonb` can store (no U+0000, no unpaired surrogates). */
export const storableString = fc.oneof(
  trickyString,
  fc.string({ unit: "grapheme", maxLength: 6 }),
  fc.string({ unit: "binary", maxLength: 6 }).filter((s) => !s.includes("\u0000") && s.isWellFormed()),
);

const fieldName = storableString.filter((s) => !s.startsWith("$") && s !== "__proto__");

const bytes = fc.uint8Array({ maxLength: 6 }).map((array) => array.slice().buffer);

/** Every kind of leaf value, with the edge cases of each. */
export const leafValue: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 1n),
  fc.double(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1, -1, Number.MIN_VALUE, Number.MAX_VALUE),
  fc.integer({ min: -5, max: 5 }),
  fc.boolean(),
  storableString,
  bytes,
);

/** Random storable values, nested arrays and objects included. */
export const storableValue: fc.Arbitrary<Value> = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leafValue,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fieldName, tie("value"), { maxKeys: 3, noNullPrototype: true }),
  ),
})).value;

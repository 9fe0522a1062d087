import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex as toHex, sortKey } from "../storage/sort-key.js";
import { idKey, pointSpan, spansOverlap } from "./key-span.js";

describe("key spans", () => {
  it("idKey is the hex of the id's sort key (the by_id key of a document)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0x10ffff })), { maxLength: 12 }), (codePoints) => {
        const id = String.fromCodePoint(...codePoints);
        expect(idKey(id)).toBe(toHex(sortKey(id)));
      }),
    );
    expect(idKey("a\u0000b")).toBe(toHex(sortKey("a\u0000b")));
  });

  it("a point span holds its key and nothing else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4 }), fc.uint8Array({ maxLength: 4 }), (a, b) => {
        const [ka, kb] = [toHex(a), toHex(b)];
        expect(spansOverlap(pointSpan(ka), pointSpan(kb))).toBe(ka === kb);
      }),
    );
  });

  it("empty spans overlap nothing; an open upper bound reaches every larger key", () => {
    expect(spansOverlap({ lower: "05", upper: "05" }, { lower: "", upper: null })).toBe(false);
    expect(spansOverlap({ lower: "05", upper: null }, pointSpan("ffff"))).toBe(true);
    expect(spansOverlap({ lower: "05", upper: null }, pointSpan("04ff"))).toBe(false);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TokenCache } from "./token-cache.js";

type Op = { type: "set"; key: string; ttl: number } | { type: "get"; key: string } | { type: "tick"; ms: number };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant("set" as const), key: fc.constantFrom("a", "b", "c", "d", "e"), ttl: fc.integer({ min: -5, max: 50 }) }),
  fc.record({ type: fc.constant("get" as const), key: fc.constantFrom("a", "b", "c", "d", "e") }),
  fc.record({ type: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 30 }) }),
);

describe("TokenCache", () => {
  it("behaves as a bounded LRU whose entries vanish at their expiry (model-based)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.array(arbOp, { maxLength: 60 }), (capacity, ops) => {
        let now = 1000;
        const cache = new TokenCache<number>(capacity, () => now);
        // the model: entries in recency order, oldest first
        let model: { key: string; value: number; expiresAt: number }[] = [];
        ops.forEach((op, index) => {
          if (op.type === "tick") {
            now += op.ms;
          } else if (op.type === "set") {
            cache.set(op.key, index, now + op.ttl);
            if (capacity === 0 || op.ttl <= 0) return;
            model = model.filter((entry) => entry.key !== op.key);
            if (model.length >= capacity) model.shift();
            model.push({ key: op.key, value: index, expiresAt: now + op.ttl });
          } else {
            const found = model.find((entry) => entry.key === op.key);
            model = model.filter((entry) => entry !== found);
            const expected = found !== undefined && found.expiresAt > now ? found.value : undefined;
            if (expected !== undefined) model.push(found!);
            expect(cache.get(op.key)).toBe(expected);
          }
          expect(cache.size).toBeLessThanOrEqual(capacity);
        });
      }),
    );
  });
});

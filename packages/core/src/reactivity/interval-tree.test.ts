import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IntervalTree, type IntervalHandle } from "./interval-tree.js";
import { spansOverlap } from "./key-span.js";

const key = fc.array(fc.constantFrom("00", "01", "7f", "80", "ff"), { maxLength: 3 }).map((bytes) => bytes.join(""));
const range = fc.record({ lower: key, upper: fc.option(key, { freq: 4 }) });

type Op = { kind: "insert"; lower: string; upper: string | null } | { kind: "remove"; target: number } | { kind: "search"; lower: string; upper: string | null };

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: range.map((r) => ({ kind: "insert" as const, ...r })), weight: 4 },
  { arbitrary: fc.nat().map((target) => ({ kind: "remove" as const, target })), weight: 2 },
  { arbitrary: range.map((r) => ({ kind: "search" as const, ...r })), weight: 3 },
);

describe("IntervalTree", () => {
  it("finds exactly the stored ranges that overlap a query, through inserts and removals", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const tree = new IntervalTree<number>();
        const model = new Map<number, { lower: string; upper: string | null; handle: IntervalHandle }>();
        let next = 0;
        for (const step of ops) {
          if (step.kind === "insert") {
            const value = next++;
            const handle = tree.insert(step.lower, step.upper, value);
            const empty = step.upper !== null && step.upper <= step.lower;
            expect(handle === null).toBe(empty);
            if (handle !== null) model.set(value, { lower: step.lower, upper: step.upper, handle });
          } else if (step.kind === "remove") {
            const values = [...model.keys()];
            if (values.length === 0) continue;
            const value = values[step.target % values.length]!;
            expect(tree.remove(model.get(value)!.handle)).toBe(true);
            expect(tree.remove(model.get(value)!.handle)).toBe(false);
            model.delete(value);
          } else {
            const found: number[] = [];
            tree.search(step.lower, step.upper, (value) => found.push(value));
            const expected = [...model].filter(([, r]) => spansOverlap(r, step)).map(([value]) => value);
            expect(found.sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
          }
          expect(tree.size).toBe(model.size);
        }
        const all: number[] = [];
        tree.forEach((value) => all.push(value));
        expect(all.sort((a, b) => a - b)).toEqual([...model.keys()].sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
  });

  it("a point search among 10,000 disjoint ranges examines few nodes", () => {
    const tree = new IntervalTree<number>();
    const hex = (n: number) => n.toString(16).padStart(8, "0");
    for (let i = 0; i < 10_000; i++) tree.insert(hex(i * 2), hex(i * 2 + 1), i);
    const found: number[] = [];
    const visited = tree.search(hex(4242 * 2), `${hex(4242 * 2)}00`, (value) => found.push(value));
    expect(found).toEqual([4242]);
    expect(visited).toBeLessThan(200);
  });
});

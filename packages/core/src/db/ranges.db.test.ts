import { inspect } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { useDbHarness } from "../../test/db/harness.js";
import { holds, PROBE_VALUES, SAMPLE_VALUES, type Op } from "../../test/db/values.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { compareValues } from "../values/compare.js";
import { v } from "../values/index.js";
import type { Value } from "../values/value.js";

/**
 * Index ranges and filter comparisons over every kind of value, checked against
 * `compareValues` (Convoy's total order): each operator, each probe value.
 */
const schema = defineSchema({
  vals: defineTable({ n: v.number(), v: v.optional(v.any()), o: v.optional(v.any()) }).index("by_v", ["v"]).index("by_o_v", ["o.k", "v"]),
});
const h = useDbHarness(schema);

interface Row {
  n: number;
  v: Value | undefined;
}
let rows: Row[] = [];

beforeAll(async () => {
  await h.run(async (db) => {
    // two documents per value (the second one nested under o.k as well), so ties order by creation time
    for (let i = 0; i < SAMPLE_VALUES.length; i++) {
      const value = SAMPLE_VALUES[i]!.value;
      await db.insert("vals", value === undefined ? { n: i } : { n: i, v: value });
      await db.insert("vals", value === undefined ? { n: i + 1000, o: {} } : { n: i + 1000, v: value, o: { k: "x" } });
    }
  });
  rows = await h.run(async (db) => (await db.query("vals").collect()).map((doc) => ({ n: doc.n as number, v: doc.v as Value | undefined })));
});

/** The model: rows matching, in index order then creation order. */
function expected(predicate: (value: Value | undefined) => boolean, order: "asc" | "desc" = "asc"): number[] {
  const result = rows.filter((row) => predicate(row.v)).sort((a, b) => compareValues(a.v, b.v) || (a.n % 1000) - (b.n % 1000) || a.n - b.n);
  // creation order equals insertion order: n, then n + 1000, interleaved per value
  const ns = result.map((row) => row.n);
  return order === "asc" ? ns : ns.reverse();
}

const OPS: Op[] = ["eq", "gt", "gte", "lt", "lte"];

describe("withIndex range over every value type", () => {
  it("without a range, returns every document in the total order (mixed types)", async () => {
    const got = await h.run(async (db) => (await db.query("vals").withIndex("by_v").collect()).map((doc) => doc.n));
    expect(got).toEqual(expected(() => true));
  });

  it("desc reverses index order, creation time and id", async () => {
    const got = await h.run(async (db) => (await db.query("vals").withIndex("by_v").order("desc").collect()).map((doc) => doc.n));
    expect(got).toEqual(expected(() => true, "desc"));
  });

  for (const op of OPS) {
    describe(op, () => {
      for (const probe of PROBE_VALUES) {
        it(`${op}(${probe.label})`, async () => {
          const got = await h.run(async (db) =>
            (await db.query("vals").withIndex("by_v", (q) => q[op]("v", probe.value)).collect()).map((doc) => doc.n),
          );
          expect(got).toEqual(expected((value) => holds(op, value, probe.value)));
        });
      }
    });
  }

  const pairs: [Op, Value | undefined, Op, Value | undefined][] = [
    ["gt", 0n, "lt", 1],
    ["gte", null, "lte", 5],
    ["gt", -Infinity, "lt", NaN],
    ["gte", "A", "lt", "b"],
    ["gt", "", "lte", "\u{1F600}"],
    ["gte", undefined, "lt", null],
    ["gt", false, "lt", []],
    ["gte", new Uint8Array([0]).buffer, "lte", [1, 2]],
    ["gt", [], "lt", {}],
    ["gte", { a: 1 }, "lte", { b: 0 }],
    ["gt", 5, "lt", 0],
  ];
  for (const [lowerOp, lower, upperOp, upper] of pairs) {
    for (const order of ["asc", "desc"] as const) {
      it(`${lowerOp}(${inspect(lower)}).${upperOp}(${inspect(upper)}) ${order}`, async () => {
        const got = await h.run(async (db) =>
          (
            await db
              .query("vals")
              .withIndex("by_v", (q) => q[lowerOp as "gt"]("v", lower)[upperOp as "lt"]("v", upper))
              .order(order)
              .collect()
          ).map((doc) => doc.n),
        );
        expect(got).toEqual(expected((value) => holds(lowerOp, value, lower) && holds(upperOp, value, upper), order));
      });
    }
  }

  it("eq on a nested field then a range on the next field", async () => {
    const got = await h.run(async (db) =>
      (await db.query("vals").withIndex("by_o_v", (q) => q.eq("o.k", "x").gte("v", 0n).lt("v", "a")).collect()).map((doc) => doc.n),
    );
    expect(got).toEqual(expected((value) => holds("gte", value, 0n) && holds("lt", value, "a")).filter((n) => n >= 1000 && rows.find((r) => r.n === n)!.v !== undefined));
  });

  it("eq(field, undefined) matches documents missing the field, unlike eq(field, null)", async () => {
    const [missing, nulls] = await h.run(async (db) => [
      (await db.query("vals").withIndex("by_v", (q) => q.eq("v", undefined)).collect()).map((doc) => doc.n),
      (await db.query("vals").withIndex("by_v", (q) => q.eq("v", null)).collect()).map((doc) => doc.n),
    ]);
    expect(missing).toEqual([0, 1000]);
    expect(nulls).toEqual([1, 1001]);
  });

  it("eq(o.k, undefined) on a nested path matches documents without it", async () => {
    const got = await h.run(async (db) => (await db.query("vals").withIndex("by_o_v", (q) => q.eq("o.k", undefined)).collect()).map((doc) => doc.n as number));
    expect(got.sort((a, b) => a - b)).toEqual([...SAMPLE_VALUES.keys(), 1000].sort((a, b) => a - b));
  });
});

describe("filter comparisons over every value type", () => {
  for (const op of [...OPS, "neq"] as const) {
    describe(op, () => {
      for (const probe of PROBE_VALUES.filter((_, i) => i % 2 === 0 || op === "eq")) {
        it(`q.${op}(q.field("v"), ${probe.label})`, async () => {
          const got = await h.run(async (db) => (await db.query("vals").withIndex("by_v").filter((q) => q[op](q.field("v"), probe.value)).collect()).map((doc) => doc.n));
          expect(got).toEqual(expected((value) => holds(op, value, probe.value)));
        });
      }
    });
  }

  it("a literal on the left compares the other way round", async () => {
    const got = await h.run(async (db) => (await db.query("vals").withIndex("by_v").filter((q) => q.lt(5n, q.field("v"))).collect()).map((doc) => doc.n));
    expect(got).toEqual(expected((value) => holds("gt", value, 5n)));
  });

  it("compares two fields of the same document", async () => {
    const got = await h.run(async (db) => (await db.query("vals").withIndex("by_v").filter((q) => q.eq(q.field("v"), q.field("o.k"))).collect()).map((doc) => doc.n));
    // equal when both are missing, or v equals "x" (never in the samples)
    expect(got).toEqual([0, 1000]);
  });
});

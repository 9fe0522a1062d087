import { describe, expect, it } from "vitest";
import { useDbHarness } from "../db/harness.js";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import { v } from "../../src/values/index.js";

/** `field = string/boolean/null` compiles to a jsonb comparison; strings jsonb cannot hold fall back to sort keys and match nothing. */
const h = useDbHarness(defineSchema({ t: defineTable({ s: v.optional(v.any()) }) }));

describe("equality filters on jsonb", () => {
  it("match exactly, and a literal jsonb cannot hold is no error", async () => {
    const found = await h.run(async (db) => {
      for (const s of ["a", "A", true, null, 1, "true", { x: "a" }]) await db.insert("t", { s });
      await db.insert("t", {});
      const eq = async (value: unknown) => (await db.query("t").filter((q) => q.eq(q.field("s"), value)).collect()).map((doc) => doc.s);
      const neq = async (value: unknown) => (await db.query("t").filter((q) => q.neq(value, q.field("s"))).count());
      return { a: await eq("a"), t: await eq(true), n: await eq(null), strTrue: await eq("true"), surrogate: await eq("\ud800"), nul: await eq("a\u0000"), neqA: await neq("a") };
    });
    expect(found).toEqual({ a: ["a"], t: [true], n: [null], strTrue: ["true"], surrogate: [], nul: [], neqA: 7 });
  });
});

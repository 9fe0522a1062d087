import { describe, expect, it } from "vitest";
import { useDbHarness } from "../../test/db/harness.js";
import { isFrameworkError } from "../errors/index.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { newId } from "../storage/ids.js";
import { indexKey, tupleKey } from "../storage/index-key.js";
import { bytesToHex as toHex } from "../storage/sort-key.js";
import { v } from "../values/index.js";
import type { FilterBuilderImpl, IndexRangeBuilderImpl } from "./index.js";

const schema = defineSchema({
  messages: defineTable({ author: v.string(), body: v.string(), likes: v.optional(v.number()), meta: v.optional(v.object({ lang: v.string() })) })
    .index("by_author", ["author"])
    .index("by_author_likes", ["author", "likes"])
    .index("by_lang", ["meta.lang"]),
  users: defineTable({ name: v.string(), best: v.optional(v.id("messages")), friends: v.optional(v.array(v.union(v.id("users"), v.null()))) }),
  loose: defineTable(v.any()).index("by_meta", ["meta"]),
});
const h = useDbHarness(schema);

async function expectCode(promise: Promise<unknown> | (() => unknown), code: string, message?: RegExp): Promise<void> {
  let error: unknown;
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (caught) {
    error = caught;
  }
  expect(isFrameworkError(error), `expected a FrameworkError ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  if (message !== undefined) expect((error as Error).message).toMatch(message);
}

async function clear(): Promise<void> {
  await h.database().driver.query(`TRUNCATE "messages", "users", "loose"`);
}

describe("get", () => {
  it("returns the document with system fields first, then null once deleted", async () => {
    await clear();
    await h.run(async (db) => {
      const id = await db.insert("messages", { author: "ada", body: "hi" });
      const doc = await db.get(id);
      expect(Object.keys(doc!).slice(0, 2)).toEqual(["_id", "_creationTime"]);
      expect(doc).toEqual({ _id: id, _creationTime: expect.any(Number), author: "ada", body: "hi" });
      expect(await db.get("messages", id)).toEqual(doc);
      await db.delete(id);
      expect(await db.get(id)).toBeNull();
    });
  });

  it("returns null for a well-formed id that was never inserted", async () => {
    await h.run(async (db) => {
      expect(await db.get(newId("messages"))).toBeNull();
    });
  });

  it("rejects an id of another table in the table form", async () => {
    await h.run(async (db) => {
      await expectCode(db.get("users", newId("messages")), "BAD_REQUEST", /table "messages", not of table "users"/);
    });
  });

  it("rejects a malformed id", async () => {
    await h.run(async (db) => {
      await expectCode(db.get("nonsense"), "BAD_REQUEST", /not a valid id/);
      await expectCode(db.get("messages", "nonsense"), "BAD_REQUEST", /not a valid id/);
    });
  });

  it("rejects an unknown table", async () => {
    await h.run(async (db) => {
      await expectCode(db.get("nope", newId("messages")), "INTERNAL", /table "nope" does not exist/);
      await expectCode(() => db.query("nope"), "INTERNAL", /does not exist/);
    });
  });

  it("round-trips every kind of value", async () => {
    await h.run(async (db) => {
      const value = { big: -42n, nan: NaN, negZero: -0, inf: -Infinity, raw: new Uint8Array([0, 255]).buffer, nested: { arr: [1, "x", null, true, { _k: 1n }] }, constructor: 1 };
      const id = await db.insert("loose", value);
      const doc = await db.get(id);
      expect(doc).toEqual({ _id: id, _creationTime: expect.any(Number), ...value });
      expect(Object.is(doc!.negZero, -0)).toBe(true);
    });
  });
});

describe("normalizeId", () => {
  it("returns the id for its table and null otherwise", async () => {
    await h.run((db) => {
      const id = newId("messages");
      expect(db.normalizeId("messages", id)).toBe(id);
      expect(db.normalizeId("users", id)).toBeNull();
      expect(db.normalizeId("messages", "garbage")).toBeNull();
      expect(() => db.normalizeId("nope", id)).toThrow(/does not exist/);
      return Promise.resolve();
    });
  });
});

describe("insert", () => {
  it("returns ids of the table with increasing creation times", async () => {
    await h.run(async (db) => {
      const a = await db.insert("messages", { author: "a", body: "1" });
      const b = await db.insert("messages", { author: "a", body: "2" });
      expect(db.normalizeId("messages", a)).toBe(a);
      expect((await db.get(b))!._creationTime).toBeGreaterThan((await db.get(a))!._creationTime);
    });
  });

  it.each([
    ["_id", { _id: "x", author: "a", body: "b" }, /system field "_id" cannot be set/],
    ["_creationTime", { _creationTime: 1, author: "a", body: "b" }, /system field "_creationTime"/],
    ["another _ field", { _secret: 1, author: "a", body: "b" }, /reserved/],
    ["a $ key", { author: "a", body: "b", meta: { $lang: "x" } }, /reserved/],
    ["a wrong type", { author: 1, body: "b" }, /document.author: expected string, got number/],
    ["a missing field", { author: "a" }, /document.body: missing required field/],
    ["an extra field", { author: "a", body: "b", extra: 1 }, /unexpected field/],
    ["a nested wrong type", { author: "a", body: "b", meta: { lang: 3 } }, /document.meta.lang/],
    ["not an object", "hello", /expects a document object/],
    ["a Date", { author: "a", body: "b", likes: new Date() }, /document.likes/],
    ["a U+0000 string", { author: "a\u0000b", body: "b" }, /U\+0000/],
  ])("rejects %s with SCHEMA_VALIDATION and writes nothing", async (_label, doc, message) => {
    await clear();
    await h.run(async (db) => {
      await expectCode(db.insert("messages", doc), "SCHEMA_VALIDATION", message);
      expect(await db.query("messages").count()).toBe(0);
    });
  });

  it("names the table and the path in schema errors", async () => {
    await h.run(async (db) => {
      try {
        await db.insert("messages", { author: "a", body: 2 });
        expect.unreachable();
      } catch (error) {
        expect((error as Error).message).toContain('table "messages"');
        expect((error as { path: string }).path).toBe("body");
      }
    });
  });

  it("checks that v.id fields hold ids of the right table, at any depth", async () => {
    await h.run(async (db) => {
      const message = await db.insert("messages", { author: "a", body: "b" });
      const user = await db.insert("users", { name: "u", best: message, friends: [null] });
      await db.insert("users", { name: "v", friends: [user, null] });
      await expectCode(db.insert("users", { name: "w", best: user }), "SCHEMA_VALIDATION", /best: expected Id<"messages">, got an id of another table/);
      await expectCode(db.insert("users", { name: "w", friends: [message] }), "SCHEMA_VALIDATION", /friends\[0\]/);
      await expectCode(db.insert("users", { name: "w", best: "not-an-id" }), "SCHEMA_VALIDATION");
    });
  });

  it("accepts anything storable in a table without a validator and skips undefined fields", async () => {
    await h.run(async (db) => {
      const id = await db.insert("loose", { a: undefined, b: [1n, { c: "d" }] });
      expect(await db.get(id)).toEqual({ _id: id, _creationTime: expect.any(Number), b: [1n, { c: "d" }] });
    });
  });

  it("keeps __proto__ out (rejected) and treats constructor as data", async () => {
    await h.run(async (db) => {
      await expectCode(db.insert("loose", JSON.parse('{"__proto__": {"x": 1}}')), "SCHEMA_VALIDATION", /__proto__/);
      const id = await db.insert("loose", { constructor: { prototype: 1 } });
      expect((await db.get(id))!.constructor).toEqual({ prototype: 1 });
    });
  });
});

describe("patch", () => {
  it("shallow-merges, and undefined removes a field", async () => {
    await h.run(async (db) => {
      const id = await db.insert("messages", { author: "a", body: "b", likes: 1, meta: { lang: "en" } });
      await db.patch(id, { likes: 2, meta: undefined });
      expect(await db.get(id)).toEqual({ _id: id, _creationTime: expect.any(Number), author: "a", body: "b", likes: 2 });
      await db.patch("messages", id, { body: "c" });
      expect((await db.get(id))!.body).toBe("c");
    });
  });

  it("allows _id and _creationTime only when they repeat the document's own", async () => {
    await h.run(async (db) => {
      const id = await db.insert("messages", { author: "a", body: "b" });
      const doc = (await db.get(id))!;
      await db.patch(id, { _id: id, _creationTime: doc._creationTime, likes: 5 });
      expect((await db.get(id))!.likes).toBe(5);
      const other = newId("messages");
      await expectCode(db.patch(id, { _id: other }), "SCHEMA_VALIDATION", /system field "_id" cannot be changed/);
      await expectCode(db.patch(id, { _creationTime: 1 }), "SCHEMA_VALIDATION", /_creationTime/);
      await expectCode(db.patch(id, { _other: 1 }), "SCHEMA_VALIDATION", /reserved/);
    });
  });

  it("validates the merged document and writes nothing on failure", async () => {
    await h.run(async (db) => {
      const id = await db.insert("messages", { author: "a", body: "b" });
      await expectCode(db.patch(id, { body: undefined }), "SCHEMA_VALIDATION", /body: missing required field/);
      await expectCode(db.patch(id, { likes: "many" }), "SCHEMA_VALIDATION", /likes/);
      expect(await db.get(id)).toMatchObject({ author: "a", body: "b" });
    });
  });

  it("throws on a missing document, an id of another table, and a malformed id", async () => {
    await h.run(async (db) => {
      await expectCode(db.patch(newId("messages"), { likes: 1 }), "INTERNAL", /does not exist/);
      await expectCode(db.patch("users", newId("messages"), { likes: 1 }), "BAD_REQUEST", /not of table "users"/);
      await expectCode(db.patch("bad", { likes: 1 }), "BAD_REQUEST", /not a valid id/);
    });
  });
});

describe("replace", () => {
  it("replaces every user field", async () => {
    await h.run(async (db) => {
      const id = await db.insert("messages", { author: "a", body: "b", likes: 3 });
      await db.replace(id, { author: "x", body: "y" });
      expect(await db.get(id)).toEqual({ _id: id, _creationTime: expect.any(Number), author: "x", body: "y" });
      await db.replace("messages", id, { author: "z", body: "w" });
      expect((await db.get(id))!.author).toBe("z");
    });
  });

  it("accepts system fields equal to the document's, rejects others", async () => {
    await h.run(async (db) => {
      const id = await db.insert("messages", { author: "a", body: "b" });
      const doc = (await db.get(id))!;
      await db.replace(id, { ...doc, body: "c" });
      expect((await db.get(id))!.body).toBe("c");
      await expectCode(db.replace(id, { ...doc, _creationTime: doc._creationTime + 1 }), "SCHEMA_VALIDATION");
    });
  });

  it("validates and writes nothing on failure; a missing document throws", async () => {
    await h.run(async (db) => {
      const id = await db.insert("messages", { author: "a", body: "b" });
      await expectCode(db.replace(id, { author: "a" }), "SCHEMA_VALIDATION");
      expect((await db.get(id))!.body).toBe("b");
      await expectCode(db.replace(newId("messages"), { author: "a", body: "b" }), "INTERNAL", /does not exist/);
    });
  });
});

describe("delete", () => {
  it("removes the document; deleting again throws", async () => {
    await h.run(async (db) => {
      const id = await db.insert("messages", { author: "a", body: "b" });
      await db.delete("messages", id);
      expect(await db.get(id)).toBeNull();
      await expectCode(db.delete(id), "INTERNAL", /does not exist/);
      await expectCode(db.delete("users", id), "BAD_REQUEST", /not of table "users"/);
    });
  });
});

describe("writes inside a query", () => {
  it("throw INTERNAL", async () => {
    await h.run(
      async (db) => {
        await expectCode(db.insert("messages", { author: "a", body: "b" }), "INTERNAL", /cannot write inside a query/);
        await expectCode(db.patch(newId("messages"), {}), "INTERNAL", /cannot write inside a query/);
        await expectCode(db.replace(newId("messages"), {}), "INTERNAL", /cannot write inside a query/);
        await expectCode(db.delete(newId("messages")), "INTERNAL", /cannot write inside a query/);
      },
      { writable: false },
    );
  });
});

describe("read your own writes", () => {
  it("a mutation's queries see its inserts, patches and deletes", async () => {
    await clear();
    await h.run(async (db) => {
      const a = await db.insert("messages", { author: "ada", body: "1", likes: 1 });
      const b = await db.insert("messages", { author: "ada", body: "2", likes: 2 });
      expect(await db.query("messages").withIndex("by_author", (q) => q.eq("author", "ada")).count()).toBe(2);
      await db.patch(a, { likes: 10 });
      const ordered = await db.query("messages").withIndex("by_author_likes", (q) => q.eq("author", "ada")).collect();
      expect(ordered.map((doc) => doc._id)).toEqual([b, a]);
      await db.delete(b);
      expect((await db.query("messages").collect()).map((doc) => doc._id)).toEqual([a]);
    });
  });

  it("a thrown error rolls every write back", async () => {
    await clear();
    await expect(
      h.run(async (db) => {
        await db.insert("messages", { author: "a", body: "b" });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await h.run(async (db) => db.query("messages").count())).toBe(0);
  });
});

describe("invalid withIndex chains throw at call time", () => {
  const cases: [string, (q: IndexRangeBuilderImpl) => unknown, RegExp][] = [
    ["eq after a range", (q) => q.gt("author", "a").eq("likes", 1), /cannot follow a range bound/],
    ["skipping a field", (q) => q.eq("likes", 1), /out of order: the next field of the index is "author"/],
    ["two lower bounds", (q) => q.eq("author", "a").gt("likes", 1).gte("likes", 2), /second lower bound/],
    ["two upper bounds", (q) => q.eq("author", "a").lt("likes", 1).lte("likes", 2), /second upper bound/],
    ["a lower bound after an upper bound on another field", (q) => q.lt("author", "a").gt("likes", 1), /same field as the upper bound/],
    ["bounds on different fields", (q) => q.gt("author", "a").lt("likes", 1), /same field/],
    ["a field not in the index", (q) => q.eq("body", "x"), /has no field "body"/],
    ["eq on the same field twice", (q) => q.eq("author", "a").eq("author", "b"), /out of order/],
    ["a range on _creationTime before the fields", (q) => q.gt("_creationTime", 1), /out of order/],
    ["eq past the last field", (q) => q.eq("author", "a").eq("likes", 1).eq("_creationTime", 1).eq("_id", "x"), /has no field "_id"/],
    ["an invalid value", (q) => q.eq("author", new Date()), /expected a Convoy value/],
  ];
  for (const [label, build, message] of cases) {
    it(label, async () => {
      await h.run(async (db) => {
        await expectCode(() => db.query("messages").withIndex("by_author_likes", build), "INTERNAL", message);
      });
    });
  }

  it("an unknown index", async () => {
    await h.run(async (db) => expectCode(() => db.query("messages").withIndex("by_nothing"), "INTERNAL", /index "by_nothing" does not exist/));
  });

  it("withIndex twice, or after filter", async () => {
    await h.run(async (db) => {
      await expectCode(() => db.query("messages").withIndex("by_author").withIndex("by_author"), "INTERNAL", /only once/);
      await expectCode(() => db.query("messages").filter((q) => q.eq(1, 1)).withIndex("by_author"), "INTERNAL", /before filter/);
      await expectCode(() => db.query("messages").order("asc").order("desc"), "INTERNAL", /only once/);
    });
  });

  it("a range on _creationTime as the implicit last field is allowed", async () => {
    await clear();
    await h.run(async (db) => {
      await db.insert("messages", { author: "a", body: "1", likes: 1 });
      const cut = Date.now() + 1e9;
      const got = await db
        .query("messages")
        .withIndex("by_author_likes", (q) => q.eq("author", "a").eq("likes", 1).gt("_creationTime", 0).lt("_creationTime", cut))
        .collect();
      expect(got).toHaveLength(1);
      expect(await db.query("messages").withIndex("by_author", (q) => q.eq("author", "a").gt("_creationTime", cut)).collect()).toEqual([]);
    });
  });
});

describe("system indexes", () => {
  it("by_creation_time ranges, including values of other types", async () => {
    await clear();
    await h.run(async (db) => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await db.insert("messages", { author: "a", body: String(i) }));
      const docs = await db.query("messages").collect();
      const t2 = docs[2]!._creationTime;
      const q = (build: (q: IndexRangeBuilderImpl) => unknown) => db.query("messages").withIndex("by_creation_time", build).collect();
      expect((await q((r) => r.gte("_creationTime", t2))).map((d) => d._id)).toEqual(ids.slice(2));
      expect((await q((r) => r.lt("_creationTime", t2))).map((d) => d._id)).toEqual(ids.slice(0, 2));
      expect((await q((r) => r.eq("_creationTime", t2))).map((d) => d._id)).toEqual([ids[2]]);
      expect(await q((r) => r.lt("_creationTime", null))).toEqual([]);
      expect(await q((r) => r.gt("_creationTime", "a string"))).toEqual([]);
      expect(await q((r) => r.lt("_creationTime", "a string"))).toHaveLength(5);
      expect(await q((r) => r.gt("_creationTime", 5n))).toHaveLength(5);
      expect(await q((r) => r.lt("_creationTime", NaN))).toHaveLength(5);
      expect(await q((r) => r.gt("_creationTime", -Infinity).lt("_creationTime", Infinity))).toHaveLength(5);
      expect(await q((r) => r.eq("_creationTime", "x"))).toEqual([]);
    });
  });

  it("by_id ranges compare ids as strings", async () => {
    await clear();
    await h.run(async (db) => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push(await db.insert("messages", { author: "a", body: String(i) }));
      const sorted = [...ids].sort();
      const q = (build: (q: IndexRangeBuilderImpl) => unknown, order: "asc" | "desc" = "asc") => db.query("messages").withIndex("by_id", build).order(order).collect();
      expect((await q(() => undefined)).map((d) => d._id)).toEqual(sorted);
      expect((await q(() => undefined, "desc")).map((d) => d._id)).toEqual([...sorted].reverse());
      expect((await q((r) => r.eq("_id", ids[1]))).map((d) => d._id)).toEqual([ids[1]]);
      expect((await q((r) => r.gt("_id", sorted[1]))).map((d) => d._id)).toEqual(sorted.slice(2));
      expect(await q((r) => r.gt("_id", 7))).toHaveLength(4);
      expect(await q((r) => r.lt("_id", 7))).toEqual([]);
    });
  });
});

describe("take, first, unique, count", () => {
  async function seed(): Promise<string[]> {
    await clear();
    return h.run(async (db) => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push(await db.insert("messages", { author: i < 4 ? "a" : "b", body: String(i), likes: i % 3 }));
      return ids;
    });
  }

  it("take(n) returns the first n in order; take(0) nothing; more than exist returns all", async () => {
    const ids = await seed();
    await h.run(async (db) => {
      expect((await db.query("messages").take(2)).map((d) => d._id)).toEqual(ids.slice(0, 2));
      expect((await db.query("messages").order("desc").take(2)).map((d) => d._id)).toEqual([ids[5], ids[4]]);
      expect(await db.query("messages").take(0)).toEqual([]);
      expect(await db.query("messages").take(100)).toHaveLength(6);
    });
  });

  it("take rejects negative and fractional n", async () => {
    await h.run(async (db) => {
      await expectCode(db.query("messages").take(-1), "INTERNAL", /non-negative integer/);
      await expectCode(db.query("messages").take(1.5), "INTERNAL", /non-negative integer/);
    });
  });

  it("first returns the first document or null", async () => {
    const ids = await seed();
    await h.run(async (db) => {
      expect((await db.query("messages").first())!._id).toBe(ids[0]);
      expect((await db.query("messages").withIndex("by_author", (q) => q.eq("author", "b")).order("desc").first())!._id).toBe(ids[5]);
      expect(await db.query("messages").withIndex("by_author", (q) => q.eq("author", "zzz")).first()).toBeNull();
    });
  });

  it("unique returns null, the one document, or throws on more than one", async () => {
    const ids = await seed();
    await h.run(async (db) => {
      expect(await db.query("messages").withIndex("by_author", (q) => q.eq("author", "zzz")).unique()).toBeNull();
      expect((await db.query("messages").withIndex("by_author_likes", (q) => q.eq("author", "b").eq("likes", 2)).unique())!._id).toBe(ids[5]);
      await expectCode(db.query("messages").withIndex("by_author", (q) => q.eq("author", "a")).unique(), "INTERNAL", /more than one/);
    });
  });

  it("count counts the range and the filter with SQL count", async () => {
    await seed();
    await h.run(async (db) => {
      expect(await db.query("messages").count()).toBe(6);
      expect(await db.query("messages").withIndex("by_author", (q) => q.eq("author", "a")).count()).toBe(4);
      expect(await db.query("messages").withIndex("by_author", (q) => q.eq("author", "a")).filter((q) => q.eq(q.field("likes"), 0)).count()).toBe(2);
    });
    const statements: { sql: string }[] = [];
    await h.run(
      async (db) => {
        await db.query("messages").count();
      },
      { tx: (tx) => ({ query: (sql, params) => (statements.push({ sql }), tx.query(sql, params)) }) },
    );
    expect(statements.map((s) => s.sql)).toEqual(['SELECT count(*) AS n FROM "public"."messages" ORDER BY "_creation_time", "_id"'.replace(' ORDER BY "_creation_time", "_id"', "")]);
  });

  it("collect and async iteration agree", async () => {
    await seed();
    await h.run(async (db) => {
      const collected = await db.query("messages").withIndex("by_author_likes").order("desc").collect();
      const iterated = [];
      for await (const doc of db.query("messages").withIndex("by_author_likes").order("desc")) iterated.push(doc);
      expect(iterated).toEqual(collected);
    });
  });
});

describe("filter operators", () => {
  async function seed(): Promise<void> {
    await clear();
    await h.run(async (db) => {
      await db.insert("loose", { n: 1, i: 10n, s: "a", b: true, nested: { x: 1 } });
      await db.insert("loose", { n: 2.5, i: -3n, s: "B", b: false, nested: { x: 2 } });
      await db.insert("loose", { n: -4, i: 7n, s: "c", nested: {} });
      await db.insert("loose", { n: 0, i: 0n, b: true });
    });
  }
  const names = async (build: (q: FilterBuilderImpl) => unknown): Promise<number[]> =>
    h.run(async (db) => (await db.query("loose").filter(build).collect()).map((d) => d.n as number));

  it("and / or / not, chained filters AND together", async () => {
    await seed();
    expect(await names((q) => q.and(q.gt(q.field("n"), 0), q.eq(q.field("b"), true)))).toEqual([1]);
    expect(await names((q) => q.or(q.lt(q.field("n"), 0), q.eq(q.field("s"), "B")))).toEqual([2.5, -4]);
    expect(await names((q) => q.not(q.eq(q.field("b"), true)))).toEqual([2.5, -4]);
    expect(await names((q) => q.and())).toEqual([1, 2.5, -4, 0]);
    expect(await names((q) => q.or())).toEqual([]);
    const chained = await h.run(async (db) =>
      (await db.query("loose").filter((q) => q.gte(q.field("n"), 0)).filter((q) => q.neq(q.field("s"), "a")).collect()).map((d) => d.n),
    );
    expect(chained).toEqual([2.5, 0]);
  });

  it("a boolean field or literal as the whole condition", async () => {
    await seed();
    expect(await names((q) => q.field("b"))).toEqual([1, 0]);
    expect(await names(() => true)).toEqual([1, 2.5, -4, 0]);
    expect(await names(() => false)).toEqual([]);
  });

  it("nested paths and missing fields", async () => {
    await seed();
    expect(await names((q) => q.eq(q.field("nested.x"), 2))).toEqual([2.5]);
    expect(await names((q) => q.eq(q.field("nested.x"), undefined))).toEqual([-4, 0]);
    expect(await names((q) => q.eq(q.field("s"), undefined))).toEqual([0]);
    expect(await names((q) => q.neq(q.field("s"), undefined))).toEqual([1, 2.5, -4]);
    expect(await names((q) => q.lt(q.field("s"), null))).toEqual([0]);
    expect(await names((q) => q.eq(q.field("nested.x.deeper"), undefined))).toEqual([1, 2.5, -4, 0]);
  });

  it("float arithmetic: add sub mul div mod neg", async () => {
    await seed();
    expect(await names((q) => q.eq(q.add(q.field("n"), 1), 2))).toEqual([1]);
    expect(await names((q) => q.eq(q.sub(q.field("n"), 0.5), 2))).toEqual([2.5]);
    expect(await names((q) => q.eq(q.mul(q.field("n"), -2), 8))).toEqual([-4]);
    expect(await names((q) => q.eq(q.div(q.field("n"), 2), 1.25))).toEqual([2.5]);
    expect(await names((q) => q.eq(q.mod(q.field("n"), 2), 0.5))).toEqual([2.5]);
    expect(await names((q) => q.eq(q.mod(q.field("n"), 3), -1))).toEqual([-4]);
    expect(await names((q) => q.eq(q.neg(q.field("n")), 4))).toEqual([-4]);
    expect(await names((q) => q.eq(q.neg(q.field("n")), -0))).toEqual([0]);
  });

  it("float arithmetic follows IEEE 754 where Postgres would raise", async () => {
    await seed();
    expect(await names((q) => q.eq(q.div(q.field("n"), 0), Infinity))).toEqual([1, 2.5]);
    expect(await names((q) => q.eq(q.div(q.field("n"), -0), Infinity))).toEqual([-4]);
    expect(await names((q) => q.eq(q.div(q.field("n"), 0), NaN))).toEqual([0]);
    expect(await names((q) => q.eq(q.mul(q.field("n"), 1e308), Infinity))).toEqual([2.5]);
    expect(await names((q) => q.eq(q.mul(q.mul(q.field("n"), 1e-300), 1e-300), -0))).toEqual([-4]);
    expect(await names((q) => q.eq(q.add(1.7976931348623157e308, 1.7976931348623157e308), Infinity))).toEqual([1, 2.5, -4, 0]);
    expect(await names((q) => q.eq(q.mod(q.field("n"), 0), NaN))).toEqual([1, 2.5, -4, 0]);
    expect(await names((q) => q.eq(q.mod(0.1, 0.03), 0.1 % 0.03))).toHaveLength(4);
    expect(await names((q) => q.eq(q.mod(1e300, 3.3), 1e300 % 3.3))).toHaveLength(4);
    expect(await names((q) => q.eq(q.mod(-7.5, Infinity), -7.5))).toHaveLength(4);
  });

  it("int64 arithmetic", async () => {
    await seed();
    expect(await names((q) => q.eq(q.add(q.field("i"), 1n), 11n))).toEqual([1]);
    expect(await names((q) => q.eq(q.sub(q.field("i"), 3n), -6n))).toEqual([2.5]);
    expect(await names((q) => q.eq(q.mul(q.field("i"), 2n), 14n))).toEqual([-4]);
    expect(await names((q) => q.eq(q.div(q.field("i"), 2n), 3n))).toEqual([-4]);
    expect(await names((q) => q.eq(q.div(q.field("i"), 2n), -1n))).toEqual([2.5]);
    expect(await names((q) => q.eq(q.mod(q.field("i"), 4n), -3n))).toEqual([2.5]);
    expect(await names((q) => q.eq(q.neg(q.field("i")), -10n))).toEqual([1]);
  });

  it("arithmetic on mismatched types, int64 overflow and int64 division by zero throw INTERNAL", async () => {
    await seed();
    await expectCode(names((q) => q.eq(q.add(q.field("n"), 1n), 2)), "INTERNAL", /cannot add float64 and int64/);
    await expectCode(names((q) => q.eq(q.add(q.field("s"), 1), 2)), "INTERNAL", /filter expression failed/);
    await expectCode(names((q) => q.eq(q.add(q.field("i"), 2n ** 63n - 1n), 0n)), "INTERNAL", /out of range/);
    await expectCode(names((q) => q.eq(q.div(q.field("i"), 0n), 0n)), "INTERNAL", /division by zero/);
  });

  it("arithmetic on literals only, and comparisons as values", async () => {
    await seed();
    expect(await names((q) => q.eq(q.add(2, 3), 5))).toHaveLength(4);
    expect(await names((q) => q.eq(q.gt(q.field("n"), 0), true))).toEqual([1, 2.5]);
    expect(await names((q) => q.eq(q.gt(q.field("n"), 0), q.eq(q.field("b"), true)))).toEqual([1, -4]);
  });

  it("rejects invalid operands and field paths at call time", async () => {
    await h.run(async (db) => {
      await expectCode(() => db.query("loose").filter((q) => q.eq(q.field("a"), new Map())), "INTERNAL", /expected a Convoy value/);
      await expectCode(() => db.query("loose").filter((q) => q.field("a..b")), "INTERNAL", /invalid field path/);
    });
  });
});

describe("read sets and write sets", () => {
  const hexKey = (...values: (string | number)[]) => toHex(tupleKey(values));

  it("an eq+range withIndex records the exact key range", async () => {
    await clear();
    await h.run(async (db, log) => {
      await db.query("messages").withIndex("by_author_likes", (q) => q.eq("author", "ada").gt("likes", 1).lte("likes", 5)).collect();
      expect(log.reads).toEqual([{ kind: "range", table: "messages", index: "by_author_likes", lower: `${hexKey("ada", 1)}ff`, upper: `${hexKey("ada", 5)}ff` }]);
    });
  });

  it("a prefix and a whole-table scan", async () => {
    await h.run(async (db, log) => {
      await db.query("messages").withIndex("by_author", (q) => q.eq("author", "ada")).collect();
      await db.query("messages").collect();
      await db.query("messages").withIndex("by_author", (q) => q.gte("author", "b").lt("author", "c")).count();
      expect(log.reads).toEqual([
        { kind: "range", table: "messages", index: "by_author", lower: hexKey("ada"), upper: `${hexKey("ada")}ff` },
        { kind: "range", table: "messages", index: "by_creation_time", lower: "", upper: null },
        { kind: "range", table: "messages", index: "by_author", lower: hexKey("b"), upper: hexKey("c") },
      ]);
    });
  });

  it("read sets keep the keys of what was read, even if user code changes the documents or arguments afterwards", async () => {
    await clear();
    await h.run(async (db, log) => {
      await db.insert("messages", { author: "ada", body: "x", meta: { lang: "en" } });
      await db.insert("messages", { author: "ada", body: "y", meta: { lang: "fr" } });
      const docs = await db.query("messages").withIndex("by_author", (q) => q.eq("author", "ada")).take(1);
      const expectedUpper = `${toHex(indexKey(docs[0]!, ["author"]))}00`;
      docs[0]!.author = "zed"; // mutate the returned document before anyone reads the log
      const bound = { lang: "en" };
      await db.query("loose").withIndex("by_meta", (q) => q.eq("meta", bound)).collect();
      const expectedLower = toHex(tupleKey([{ lang: "en" }]));
      bound.lang = "xx"; // mutate the argument object too
      expect(log.reads).toEqual([
        { kind: "range", table: "messages", index: "by_author", lower: hexKey("ada"), upper: expectedUpper },
        { kind: "range", table: "loose", index: "by_meta", lower: expectedLower, upper: `${expectedLower}ff` },
      ]);
    });
  });

  it("take narrows the range to the last row returned; get records the id", async () => {
    await clear();
    await h.run(async (db, log) => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(await db.insert("messages", { author: "ada", body: String(i) }));
      const docs = await db.query("messages").withIndex("by_author", (q) => q.eq("author", "ada")).take(2);
      const lastKey = toHex(indexKey(docs[1]!, ["author"]));
      const descDocs = await db.query("messages").withIndex("by_author", (q) => q.eq("author", "ada")).order("desc").take(1);
      await db.query("messages").withIndex("by_author", (q) => q.eq("author", "ada")).take(5);
      await db.get(ids[0]!);
      expect(log.reads).toEqual([
        { kind: "range", table: "messages", index: "by_author", lower: hexKey("ada"), upper: `${lastKey}00` },
        { kind: "range", table: "messages", index: "by_author", lower: toHex(indexKey(descDocs[0]!, ["author"])), upper: `${hexKey("ada")}ff` },
        { kind: "range", table: "messages", index: "by_author", lower: hexKey("ada"), upper: `${hexKey("ada")}ff` },
        { kind: "get", table: "messages", id: ids[0] },
      ]);
    });
  });

  it("writes record old and new keys of every index", async () => {
    await clear();
    await h.run(async (db, log) => {
      const id = await db.insert("messages", { author: "ada", body: "x", likes: 1 });
      const inserted = (await db.get(id))!;
      await db.patch(id, { likes: 2 });
      const patched = (await db.get(id))!;
      await db.delete(id);
      const keys = (doc: Record<string, unknown>) => ({
        by_id: toHex(indexKey(doc, ["_id"])),
        by_creation_time: toHex(indexKey(doc, [])),
        by_author: toHex(indexKey(doc, ["author"])),
        by_author_likes: toHex(indexKey(doc, ["author", "likes"])),
        by_lang: toHex(indexKey(doc, ["meta.lang"])),
      });
      expect(log.writes).toEqual([
        { table: "messages", id, op: "insert", newKeys: keys(inserted) },
        { table: "messages", id, op: "update", oldKeys: keys(inserted), newKeys: keys(patched) },
        { table: "messages", id, op: "delete", oldKeys: keys(patched) },
      ]);
      expect(keys(inserted).by_author_likes).not.toBe(keys(patched).by_author_likes);
    });
  });

  it("write keys are those of the values written, whatever the caller does to its objects afterwards", async () => {
    await clear();
    await h.run(async (db, log) => {
      const meta = { lang: "en" };
      const id = await db.insert("messages", { author: "ada", body: "x", likes: 1, meta });
      meta.lang = "fr";
      const inserted = (await db.get(id))!;
      const next = { lang: "de" };
      await db.patch(id, { meta: next });
      next.lang = "it";
      const patched = (await db.get(id))!;
      expect(patched.meta).toEqual({ lang: "de" });
      const langKey = (doc: Record<string, unknown>) => toHex(indexKey(doc, ["meta.lang"]));
      // keys are read only now, after both objects changed
      expect(log.writes.map((write) => [write.oldKeys?.by_lang, write.newKeys?.by_lang])).toEqual([
        [undefined, langKey(inserted)],
        [langKey(inserted), langKey(patched)],
      ]);
      expect(inserted.meta).toEqual({ lang: "en" });
    });
  });

  it("a failed write records nothing", async () => {
    await h.run(async (db, log) => {
      await expectCode(db.insert("messages", { author: 1 }), "SCHEMA_VALIDATION");
      expect(log.writes).toEqual([]);
    });
  });
});

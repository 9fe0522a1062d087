import { describe, expect, it } from "vitest";
import { v } from "../values/v.js";
import { defineSchema, defineTable } from "./index.js";

const messages = () => defineTable({ author: v.string(), body: v.string(), profile: v.object({ city: v.string() }) });

describe("defineTable / defineSchema names", () => {
  it.each([
    ["_users", /table name "_users" starts with "_"/],
    ["1users", /table name "1users" must start with a letter/],
    ["my-table", /table name "my-table" must start with a letter/],
    ["", /table name must be a non-empty string/],
    ["t".repeat(64), /longer than 63/],
  ])("rejects the table name %j", (name, message) => {
    expect(() => defineSchema({ [name]: messages() })).toThrow(message);
  });

  it("rejects bad index names and fields, naming them", () => {
    expect(() => messages().index("_by", ["author"])).toThrow(/index name "_by" starts with "_"/);
    expect(() => messages().index("by_id", ["author"] as never)).toThrow(/index name "by_id" is reserved/);
    expect(() => messages().index("by_creation_time", ["author"] as never)).toThrow(/reserved/);
    expect(() => messages().index("by_x", [] as never)).toThrow(/index "by_x" needs at least one field/);
    expect(() => messages().index("by_x", ["_creationTime"] as never)).toThrow(/field "_creationTime" is a system field/);
    expect(() => messages().index("by_x", ["nope"] as never)).toThrow(/field "nope" is not a field/);
    expect(() => messages().index("by_x", ["author", "author"])).toThrow(/lists field "author" twice/);
    expect(() => messages().index("by_x", ["profile.$city"] as never)).toThrow(/dotted path of field names/);
    expect(() => messages().index("by_x", ["profile..city"] as never)).toThrow(/dotted path of field names/);
    expect(() => messages().index("by_a", ["author"]).index("by_a", ["body"])).toThrow(/index "by_a" is defined twice/);
  });

  it("rejects field names at definition", () => {
    expect(() => defineTable({ $x: v.string() })).toThrow(/\$x/);
    expect(() => defineTable(v.string() as never)).toThrow(/v\.object/);
  });

  it("rejects top-level field names starting with _ (as Convex), naming the field; nested ones are fine", () => {
    expect(() => defineTable({ author: v.string(), _secret: v.string() })).toThrow(/field "_secret" starts with "_"/);
    expect(() => defineTable({ _id: v.string() })).toThrow(/field "_id" is a system field/);
    expect(() => defineTable({ _creationTime: v.number() })).toThrow(/field "_creationTime" is a system field/);
    expect(() => defineTable(v.union(v.object({ kind: v.literal("a") }), v.object({ kind: v.literal("b"), _x: v.number() })))).toThrow(/field "_x"/);
    expect(() => defineTable(v.object({ a: v.string(), _b: v.optional(v.string()) }))).toThrow(/field "_b"/);
    expect(() => defineTable({ profile: v.object({ _private: v.string() }) })).not.toThrow();
    expect(() => defineTable(v.any())).not.toThrow();
  });

  it("rejects index names that collide or overflow in Postgres", () => {
    expect(() => defineSchema({ a: messages().index("b__c", ["author"]), a__b: defineTable({ c: v.string() }).index("c", ["c"]) })).toThrow(/already taken/);
    expect(() => defineSchema({ ["t".repeat(40)]: messages().index("i".repeat(30), ["author"]) })).toThrow(/longer than Postgres's 63/);
  });

  it("accepts nested index paths, unions of objects and v.any()", () => {
    const schema = defineSchema({
      messages: messages().index("by_city", ["profile.city"]),
      events: defineTable(v.union(v.object({ kind: v.literal("a"), x: v.number() }), v.object({ kind: v.literal("b"), y: v.string() }))).index("by_kind", ["kind"]),
      blobs: defineTable(v.any()).index("by_anything", ["deep.path"]),
    });
    expect(Object.keys(schema.tables)).toEqual(["messages", "events", "blobs"]);
  });
});

describe("schema JSON and hash", () => {
  const build = () =>
    defineSchema({
      messages: messages().index("by_author", ["author"]).index("by_city", ["profile.city"]),
      users: defineTable({ name: v.string(), age: v.optional(v.int64()) }),
    });

  it("describes the schema as plain JSON", () => {
    expect(build().json).toEqual({
      version: 1,
      schemaValidation: true,
      tables: {
        messages: {
          documentType: {
            type: "object",
            value: {
              author: { fieldType: { type: "string" }, optional: false },
              body: { fieldType: { type: "string" }, optional: false },
              profile: { fieldType: { type: "object", value: { city: { fieldType: { type: "string" }, optional: false } } }, optional: false },
            },
          },
          indexes: [
            { name: "by_author", fields: ["author"] },
            { name: "by_city", fields: ["profile.city"] },
          ],
        },
        users: {
          documentType: {
            type: "object",
            value: { name: { fieldType: { type: "string" }, optional: false }, age: { fieldType: { type: "bigint" }, optional: true } },
          },
          indexes: [],
        },
      },
    });
    expect(JSON.parse(JSON.stringify(build().json))).toEqual(build().json);
  });

  it("hash is deterministic and ignores key order and index definition order", () => {
    const reordered = defineSchema({
      users: defineTable({ age: v.optional(v.int64()), name: v.string() }),
      messages: defineTable({ profile: v.object({ city: v.string() }), body: v.string(), author: v.string() })
        .index("by_city", ["profile.city"])
        .index("by_author", ["author"]),
    });
    expect(build().hash).toMatch(/^[0-9a-f]{64}$/);
    expect(reordered.hash).toBe(build().hash);
  });

  it("hash changes with any table, field, validator, index or option change", () => {
    const base = build().hash;
    const variants = [
      defineSchema({ messages: messages().index("by_author", ["author"]).index("by_city", ["profile.city"]) }),
      defineSchema({ ...build().tables, extra: defineTable({ a: v.string() }) }),
      defineSchema({ ...build().tables, users: defineTable({ name: v.string(), age: v.int64() }) }),
      defineSchema({ ...build().tables, users: defineTable({ name: v.string(), age: v.optional(v.number()) }) }),
      defineSchema({ ...build().tables, users: defineTable({ name: v.string(), age: v.optional(v.int64()), x: v.null() }) }),
      defineSchema({ ...build().tables, messages: messages().index("by_author", ["author"]) }),
      defineSchema({ ...build().tables, messages: messages().index("by_author", ["author", "body"]).index("by_city", ["profile.city"]) }),
      defineSchema({ ...build().tables, messages: messages().index("by_writer", ["author"]).index("by_city", ["profile.city"]) }),
      defineSchema(build().tables, { schemaValidation: false }),
      defineSchema({ ...build().tables, users: defineTable({ age: v.optional(v.int64()), name: v.string() }).columns(["name"]) }),
      defineSchema({ ...build().tables, users: defineTable({ age: v.optional(v.int64()), name: v.string() }).columns(["name", "age"]) }),
    ];
    const hashes = variants.map((schema) => schema.hash);
    expect(new Set([base, ...hashes]).size).toBe(hashes.length + 1);
  });
});

describe(".columns() (promoted fields)", () => {
  const posts = () =>
    defineTable({
      author: v.string(),
      score: v.optional(v.number()),
      count: v.int64(),
      done: v.boolean(),
      user: v.id("users"),
      profile: v.object({ city: v.string() }),
      tags: v.array(v.string()),
      maybe: v.union(v.string(), v.null()),
      kind: v.literal("a"),
      raw: v.bytes(),
      anything: v.any(),
    });

  it("is in the schema JSON (sorted) and the hash; absent when none, so older hashes are unchanged", () => {
    const table = posts().index("by_author", ["author"]).columns(["score", "author"]);
    expect(table.promotedColumns).toEqual(["score", "author"]);
    expect(table.json.columns).toEqual(["author", "score"]);
    expect(posts().json).not.toHaveProperty("columns");
    expect(posts().columns([]).json).not.toHaveProperty("columns");
    const a = defineSchema({ posts: posts().columns(["author", "score"]) });
    const b = defineSchema({ posts: posts().columns(["score"]).columns(["author"]) });
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(defineSchema({ posts: posts() }).hash);
    // indexes defined after .columns() keep the declaration
    expect(posts().columns(["author"]).index("by_author", ["author"]).promotedColumns).toEqual(["author"]);
  });

  it("accepts string, number, int64, boolean and id fields, optional or not", () => {
    expect(posts().columns(["author", "score", "count", "done", "user"]).promotedColumns).toHaveLength(5);
  });

  it.each([
    ["profile.city", /field "profile.city" cannot be promoted: top-level fields only for now/],
    ["profile", /field "profile" cannot be promoted: v.object\(\) has no single column type/],
    ["tags", /v.array\(\) has no single column type/],
    ["maybe", /a union \(nullable fields included\) has no single column type/],
    ["kind", /v.literal\(\) has no single column type/],
    ["raw", /v.bytes\(\) has no single column type/],
    ["anything", /v.any\(\) has no single column type/],
    ["nope", /field "nope" cannot be promoted: it is not a field of the table's documents/],
    ["_id", /system fields are native columns already/],
  ])("refuses %j at definition, with the reason", (field, message) => {
    expect(() => posts().columns([field] as never)).toThrow(message);
  });

  it("refuses a field listed twice, documents of v.any() and union members that disagree", () => {
    expect(() => posts().columns(["author", "author"])).toThrow(/listed twice/);
    expect(() => defineTable(v.any()).columns(["x"] as never)).toThrow(/v.any\(\), so the field has no declared type/);
    const union = defineTable(v.union(v.object({ k: v.string() }), v.object({ k: v.number() })));
    expect(() => union.columns(["k"])).toThrow(/different types \(text, double precision\)/);
    const agreeing = defineTable(v.union(v.object({ k: v.string(), a: v.number() }), v.object({ k: v.optional(v.string()) })));
    expect(agreeing.columns(["k"]).promotedColumns).toEqual(["k"]);
  });
});

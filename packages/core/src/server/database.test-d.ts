import { describe, expectTypeOf, it } from "vitest";
import { defineSchema, defineTable } from "../schema/index.js";
import type { DataModelFromSchemaDefinition } from "../schema/index.js";
import { v } from "../values/v.js";
import type { GenericId } from "../values/value.js";
import type { GenericDatabaseReader, GenericDatabaseWriter } from "./database.js";

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- only its type is used
const schema = defineSchema({
  messages: defineTable({ author: v.string(), body: v.string(), likes: v.optional(v.number()), profile: v.object({ city: v.string() }) })
    .index("by_author", ["author"])
    .index("by_author_likes", ["author", "likes"])
    .index("by_city", ["profile.city"]),
  users: defineTable({ name: v.string(), best: v.optional(v.id("messages")) }),
});
type DataModel = DataModelFromSchemaDefinition<typeof schema>;
declare const reader: GenericDatabaseReader<DataModel>;
declare const writer: GenericDatabaseWriter<DataModel>;
declare const messageId: GenericId<"messages">;
declare const userId: GenericId<"users">;

describe("data model", () => {
  it("Doc and Id come from the schema exactly", () => {
    expectTypeOf<DataModel["messages"]["document"]>().toEqualTypeOf<{
      _id: GenericId<"messages">;
      _creationTime: number;
      author: string;
      body: string;
      likes?: number;
      profile: { city: string };
    }>();
    expectTypeOf<DataModel["users"]["document"]["best"]>().toEqualTypeOf<GenericId<"messages"> | undefined>();
    expectTypeOf<keyof DataModel>().toEqualTypeOf<"messages" | "users">();
    expectTypeOf<DataModel["messages"]["indexes"]["by_author_likes"]>().toEqualTypeOf<["author", "likes", "_creationTime"]>();
    expectTypeOf<DataModel["messages"]["indexes"]["by_id"]>().toEqualTypeOf<["_id"]>();
  });
});

describe("ctx.db reader", () => {
  it("get returns the table's document", () => {
    expectTypeOf(reader.get(messageId)).resolves.toEqualTypeOf<DataModel["messages"]["document"] | null>();
    expectTypeOf(reader.get("users", userId)).resolves.toEqualTypeOf<DataModel["users"]["document"] | null>();
    // @ts-expect-error an id of another table
    void reader.get("users", messageId);
    // @ts-expect-error unknown table
    void reader.query("nope");
  });

  it("withIndex takes index fields in order with their value types", () => {
    const q = reader.query("messages");
    void q.withIndex("by_author", (r) => r.eq("author", "ada"));
    void q.withIndex("by_author_likes", (r) => r.eq("author", "ada").gt("likes", 3).lte("likes", 9));
    void q.withIndex("by_city", (r) => r.eq("profile.city", "Paris"));
    void q.withIndex("by_creation_time", (r) => r.gt("_creationTime", 0));
    // bounds in either order (as in Convex's backend)
    void q.withIndex("by_author_likes", (r) => r.eq("author", "ada").lt("likes", 9).gt("likes", 3));
    void q.withIndex("by_author_likes", (r) => {
      const upper = r.eq("author", "ada").lt("likes", 9);
      // @ts-expect-error a second upper bound
      void upper.lte("likes", 3);
      return upper;
    });
    // @ts-expect-error wrong value type in a lower bound after an upper one
    void q.withIndex("by_author_likes", (r) => r.eq("author", "ada").lt("likes", 9).gt("likes", "3"));
    // @ts-expect-error wrong field name
    void q.withIndex("by_author", (r) => r.eq("body", "x"));
    // @ts-expect-error fields out of order
    void q.withIndex("by_author_likes", (r) => r.eq("likes", 1));
    // @ts-expect-error wrong value type
    void q.withIndex("by_author", (r) => r.eq("author", 1));
    // @ts-expect-error unknown index
    void q.withIndex("by_body");
  });

  it("filter fields are typed", async () => {
    const docs = await reader
      .query("messages")
      .filter((q) => q.and(q.eq(q.field("author"), "ada"), q.gt(q.field("likes"), 2), q.eq(q.field("profile.city"), "Oslo")))
      .collect();
    expectTypeOf(docs).toEqualTypeOf<DataModel["messages"]["document"][]>();
    // @ts-expect-error unknown field
    void reader.query("messages").filter((q) => q.eq(q.field("nope"), 1));
    // @ts-expect-error comparing a string field with a number
    void reader.query("messages").filter((q) => q.eq(q.field("author"), 1));
    const page = await reader.query("messages").order("desc").paginate({ numItems: 5, cursor: null });
    expectTypeOf(page.page).toEqualTypeOf<DataModel["messages"]["document"][]>();
    expectTypeOf(reader.query("messages").count()).resolves.toBeNumber();
  });
});

describe("ctx.db writer", () => {
  it("insert takes the document without system fields", () => {
    expectTypeOf(writer.insert("messages", { author: "a", body: "b", profile: { city: "c" } })).resolves.toEqualTypeOf<GenericId<"messages">>();
    // @ts-expect-error system fields cannot be inserted
    void writer.insert("messages", { author: "a", body: "b", profile: { city: "c" }, _id: messageId });
    // @ts-expect-error unknown field
    void writer.insert("messages", { author: "a", body: "b", profile: { city: "c" }, extra: 1 });
    // @ts-expect-error missing a required field
    void writer.insert("messages", { author: "a" });
  });

  it("patch takes some fields, replace the whole document", () => {
    void writer.patch(messageId, { body: "new", likes: undefined });
    void writer.patch("messages", messageId, { author: "x" });
    // @ts-expect-error unknown field
    void writer.patch(messageId, { nope: 1 });
    // @ts-expect-error wrong type
    void writer.patch(messageId, { body: 1 });
    void writer.replace(messageId, { author: "a", body: "b", profile: { city: "c" } });
    void writer.delete(messageId);
    void writer.delete("messages", messageId);
  });
});

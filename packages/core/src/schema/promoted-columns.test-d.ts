import { describe, expectTypeOf, it } from "vitest";
import { defineSchema, defineTable } from "./index.js";
import type { DataModelFromSchemaDefinition } from "./index.js";
import { v } from "../values/v.js";

const fields = { author: v.string(), score: v.optional(v.number()), body: v.string() };
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- only its type is used
const plain = defineSchema({ posts: defineTable(fields).index("by_author", ["author"]) });
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- only its type is used
const promoted = defineSchema({ posts: defineTable(fields).index("by_author", ["author"]).columns(["author", "score"]) });

describe(".columns()", () => {
  it("leaves the data model unchanged: Doc, indexes and table names are identical", () => {
    expectTypeOf<DataModelFromSchemaDefinition<typeof promoted>>().toEqualTypeOf<DataModelFromSchemaDefinition<typeof plain>>();
    expectTypeOf<DataModelFromSchemaDefinition<typeof promoted>["posts"]["document"]>().toEqualTypeOf<DataModelFromSchemaDefinition<typeof plain>["posts"]["document"]>();
  });

  it("accepts only the table's field names", () => {
    // @ts-expect-error not a field of the table
    defineTable(fields).columns(["nope"]);
  });
});

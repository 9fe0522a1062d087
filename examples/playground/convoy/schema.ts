import { defineSchema, defineTable } from "@convoy/core/server";
import { v } from "@convoy/core/values";

export default defineSchema({
  messages: defineTable({ author: v.string(), body: v.string(), likes: v.number() })
    .index("by_author", ["author"])
    .index("by_likes", ["likes"]),
  counters: defineTable({ name: v.string(), value: v.number() }).index("by_name", ["name"]),
});

import { defineSchema, defineTable } from "@convoy/core/server";
import { v } from "@convoy/core/values";

export default defineSchema({
  // author: the display name; owner: the sender's `subject` (absent on messages seeded without a
  // user, and on the welcome messages the scheduler posts: welcome.ts)
  messages: defineTable({ author: v.string(), owner: v.optional(v.string()), body: v.string(), likes: v.number() })
    .index("by_author", ["author"])
    .index("by_likes", ["likes"]),
  counters: defineTable({ name: v.string(), value: v.number() }).index("by_name", ["name"]),
});

import { defineSchema, defineTable } from "@convoy/core/server";
import { v } from "@convoy/core/values";

export default defineSchema({
  // author: the display name; owner: the sender's `subject` (absent on messages seeded without a user)
  messages: defineTable({ author: v.string(), owner: v.optional(v.string()), body: v.string(), likes: v.number() })
    .index("by_author", ["author"])
    .index("by_likes", ["likes"]),
  counters: defineTable({ name: v.string(), value: v.number() }).index("by_name", ["name"]),
  // written by a scheduled function a few seconds after a user's first message (welcome.ts)
  welcomes: defineTable({ owner: v.string(), text: v.string() }).index("by_owner", ["owner"]),
});

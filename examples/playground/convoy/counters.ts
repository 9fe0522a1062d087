import { v } from "@convoy/core/values";
import { mutation, query } from "./_generated/server.js";

/** Increment a named counter (creating it at 0): the contended-write benchmark. */
export const increment = mutation({
  args: { name: v.string() },
  handler: async (ctx, { name }) => {
    const counter = await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", name)).unique();
    if (counter === null) {
      await ctx.db.insert("counters", { name, value: 1 });
      return 1;
    }
    await ctx.db.patch(counter._id, { value: counter.value + 1 });
    return counter.value + 1;
  },
});

/** A counter's value (0 if it does not exist). */
export const get = query({
  args: { name: v.string() },
  handler: async (ctx, { name }) => (await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", name)).unique())?.value ?? 0,
});

import { v } from "@convoy/core/values";
import { internalMutation, query } from "./_generated/server.js";

/** Scheduled by `messages.send` after a user's first message: stores their welcome. */
export const greet = internalMutation({
  args: { owner: v.string(), name: v.string() },
  handler: async (ctx, { owner, name }) => {
    await ctx.db.insert("welcomes", { owner, text: `Welcome to Convoy, ${name}! This note came through ctx.scheduler.` });
  },
});

/** The signed-in user's welcome, once it has arrived (`null` before, or signed out). */
export const mine = query({
  args: {},
  handler: async (ctx) => {
    const identity = await ctx.auth.getUserIdentity();
    if (identity === null) return null;
    const welcome = await ctx.db.query("welcomes").withIndex("by_owner", (q) => q.eq("owner", identity.subject)).first();
    return welcome?.text ?? null;
  },
});

import { v } from "@convoy/core/values";
import { internalMutation } from "./_generated/server.js";

/** Who signs the welcome messages (they have no owner, so nobody can edit or delete them). */
export const WELCOME_AUTHOR = "Convoy";

/**
 * Scheduled by `messages.send` a few seconds after a user's first message: posts a welcome
 * into the conversation, where every page's live `messages.list` shows it. A scheduled
 * function runs administratively, so the table rules (which want every message owned by its
 * sender) do not stop it.
 */
export const greet = internalMutation({
  args: { name: v.string() },
  handler: async (ctx, { name }) => {
    await ctx.db.insert("messages", { author: WELCOME_AUTHOR, body: `Welcome to Convoy, ${name}! This message was sent by ctx.scheduler, a few seconds after your first one.`, likes: 0 });
  },
});

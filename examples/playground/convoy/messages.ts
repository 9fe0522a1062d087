import { ConvoyError, v } from "@convoy/core/values";
import { paginationOptsValidator } from "@convoy/core/server";
import { mutation, query } from "./_generated/server.js";
import { internal } from "./_generated/api.js";

/** How long after a user's first message the welcome arrives (through the scheduler). */
export const WELCOME_DELAY_MS = 3_000;

const MAX_BODY = 280;

/** A page of messages, newest first (keyset pagination). */
export const list = query({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }) => ctx.db.query("messages").order("desc").paginate(paginationOpts),
});

/** Messages of one author, through the `by_author` index. */
export const byAuthor = query({
  args: { author: v.string(), limit: v.optional(v.number()) },
  handler: async (ctx, { author, limit }) =>
    ctx.db
      .query("messages")
      .withIndex("by_author", (q) => q.eq("author", author))
      .order("desc")
      .take(limit ?? 20),
});

/** How many messages each author has sent is too much for a demo; this counts one author's. */
export const countByAuthor = query({
  args: { author: v.string() },
  handler: async (ctx, { author }) => ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", author)).count(),
});

/**
 * Send a message as the signed-in user: the author is the caller's identity (from the token),
 * not an argument, so nobody can post under another name. Signed out, or an empty or too long
 * message, is refused with a `ConvoyError` the UI shows.
 */
export const send = mutation({
  args: { body: v.string() },
  handler: async (ctx, { body }) => {
    const identity = await ctx.auth.getUserIdentity();
    if (identity === null) throw new ConvoyError({ code: "SIGNED_OUT", message: "Sign in to send messages." });
    const text = body.trim();
    if (text === "") throw new ConvoyError({ code: "EMPTY", message: "A message cannot be empty." });
    if (text.length > MAX_BODY) throw new ConvoyError({ code: "TOO_LONG", message: `Messages are at most ${MAX_BODY} characters.` });
    const author = identity.name ?? identity.subject;
    const sentBefore = await ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", author)).first();
    // a first message earns a welcome message, a few seconds later; scheduled only if this send commits
    if (sentBefore === null) await ctx.scheduler.runAfter(WELCOME_DELAY_MS, internal.welcome.greet, { name: author });
    return ctx.db.insert("messages", { author, owner: identity.subject, body: text, likes: 0 });
  },
});

/** Who is signed in (the token's identity), or `null`. */
export const me = query({
  args: {},
  handler: async (ctx) => {
    const identity = await ctx.auth.getUserIdentity();
    return identity === null ? null : { subject: identity.subject, name: identity.name ?? identity.subject };
  },
});

/** Edit a message's text. The table rules (rules.ts) let only its owner do it: others get `FORBIDDEN`. */
export const edit = mutation({
  args: { id: v.id("messages"), body: v.string() },
  handler: async (ctx, { id, body }) => {
    const text = body.trim();
    if (text === "") throw new ConvoyError({ code: "EMPTY", message: "A message cannot be empty." });
    if (text.length > MAX_BODY) throw new ConvoyError({ code: "TOO_LONG", message: `Messages are at most ${MAX_BODY} characters.` });
    await ctx.db.patch(id, { body: text });
  },
});

/** Delete a message: only its owner may (rules.ts). */
export const remove = mutation({
  args: { id: v.id("messages") },
  handler: async (ctx, { id }) => {
    await ctx.db.delete(id);
  },
});

/** Like a message (a contended read-modify-write: concurrent likes are never lost). */
export const like = mutation({
  args: { id: v.id("messages") },
  handler: async (ctx, { id }) => {
    const message = await ctx.db.get(id);
    if (message === null) throw new ConvoyError({ code: "GONE", message: "This message was deleted." });
    await ctx.db.patch(id, { likes: message.likes + 1 });
    return message.likes + 1;
  },
});

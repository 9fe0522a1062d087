import { ConvoyError, v } from "@convoy/core/values";
import { mutation } from "./_generated/server.js";
import { mintDevToken } from "./_dev/issuer.js";

/**
 * DEVELOPMENT ONLY: sign in as one of the playground's two users, no password asked. Returns
 * a token for `Authorization: Bearer`. Refused when `NODE_ENV=production` (`npm start`).
 */
export const signIn = mutation({
  args: { user: v.union(v.literal("ada"), v.literal("grace")) },
  handler: async (_ctx, { user }) => {
    if (process.env.NODE_ENV === "production") throw new ConvoyError({ code: "DEV_ONLY", message: "The development sign-in is off in production." });
    return mintDevToken(user);
  },
});

// What `convoy init` writes (and `@convoy/create` through it): one place for the starter's files.
import { CONVOY_VERSION } from "../../version.js";

export const SCHEMA = `import { defineSchema, defineTable } from "@convoy/core/server";
import { v } from "@convoy/core/values";

export default defineSchema({
  messages: defineTable({ author: v.string(), body: v.string() }).index("by_author", ["author"]),
});
`;

export const MESSAGES = `import { ConvoyError, v } from "@convoy/core/values";
import { mutation, query } from "./_generated/server.js";

/** The latest messages, newest first (\`limit\`: 1 to 100, default 20). */
export const list = query({
  args: { limit: v.optional(v.number()) },
  handler: async (ctx, { limit = 20 }) => {
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new ConvoyError({ reason: "limit must be a whole number from 1 to 100", limit });
    }
    return ctx.db.query("messages").order("desc").take(limit);
  },
});

/** Messages by one author, through the by_author index. */
export const byAuthor = query({
  args: { author: v.string() },
  handler: async (ctx, { author }) =>
    ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", author)).collect(),
});

/** Send a message. */
export const send = mutation({
  args: { author: v.string(), body: v.string() },
  handler: async (ctx, { author, body }) => {
    if (body.trim() === "") throw new ConvoyError({ reason: "empty message" });
    return ctx.db.insert("messages", { author, body });
  },
});
`;

export const README = `## Convoy

This project's backend lives in \`convoy/\`: \`schema.ts\` defines the tables, every other file
exports queries and mutations (\`messages.ts\` → \`messages:list\`, \`messages:send\`).

\`\`\`bash
npm run dev                     # convoy dev: serve http://localhost:3700, regenerate types and type-check on save
npx convoy run messages:send '{"author":"ada","body":"hi"}'   # in another terminal, beside convoy dev
npm test                        # vitest: convoy/messages.test.ts runs the functions on an in-memory PGlite
curl -X POST localhost:3700/api/query/messages:list -H 'content-type: application/json' -d '{"args":{}}'
\`\`\`

Without \`DATABASE_URL\`, data lives in an embedded Postgres (PGlite) under \`.convoy/\`.
`;

export const MESSAGES_TEST = `import { convoyTest } from "@convoy/core/test";
import { expect, test } from "vitest";
import { api } from "./_generated/api.js";
import schema from "./schema.js";

// the functions in convoy/, run on a fresh in-memory PGlite (starting it takes a few seconds)
test("sending and listing messages", { timeout: 120_000 }, async () => {
  const t = convoyTest(schema);
  await t.mutation(api.messages.send, { author: "ada", body: "hi" });
  const messages = await t.query(api.messages.list, {});
  expect(messages.map((m) => m.body)).toEqual(["hi"]);
  await t.close();
});
`;

export const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      skipLibCheck: true,
      noEmit: true,
    },
    include: ["convoy"],
  },
  null,
  2,
)}\n`;

/** The starter's scripts and dependencies; existing entries of a project are never replaced. */
export const PACKAGE_SCRIPTS: Readonly<Record<string, string>> = { dev: "convoy dev", test: "vitest run" };
export const PACKAGE_DEPENDENCIES: Readonly<Record<string, string>> = { "@convoy/core": `^${CONVOY_VERSION}` };
export const PACKAGE_DEV_DEPENDENCIES: Readonly<Record<string, string>> = { typescript: "^5.9.3", vitest: "^4.1.12" };

import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCodegen } from "../../codegen/index.js";

const SCHEMA = `import { defineSchema, defineTable } from "@convoy/core/server";
import { v } from "@convoy/core/values";

export default defineSchema({
  messages: defineTable({ author: v.string(), body: v.string() }).index("by_author", ["author"]),
});
`;

const MESSAGES = `import { ConvoyError, v } from "@convoy/core/values";
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

const README = `## Convoy

This project's backend lives in \`convoy/\`: \`schema.ts\` defines the tables, every other file
exports queries and mutations (\`messages.ts\` → \`messages:list\`, \`messages:send\`).

\`\`\`bash
npx convoy dev                  # serve http://localhost:3700, regenerate types on save
npx convoy run messages:send '{"author":"ada","body":"hi"}'
curl -X POST localhost:3700/api/query/messages:list -H 'content-type: application/json' -d '{"args":{}}'
\`\`\`

Without \`DATABASE_URL\`, data lives in an embedded Postgres (PGlite) under \`.convoy/\`.
`;

/** Files `convoy init` created (relative paths) and the ones it left alone because they existed. */
export interface InitResult {
  created: string[];
  skipped: string[];
}

/** Scaffolds a working starter in `dir`: schema, one module, a README snippet, `_generated/`. Never overwrites. */
export async function initProject(dir: string): Promise<InitResult> {
  const result: InitResult = { created: [], skipped: [] };
  const write = async (relativePath: string, content: string) => {
    const path = join(dir, relativePath);
    if (existsSync(path)) return void result.skipped.push(relativePath);
    await mkdir(join(path, ".."), { recursive: true });
    await writeFile(path, content);
    result.created.push(relativePath);
  };
  await write("package.json", `${JSON.stringify({ name: "my-convoy-app", private: true, type: "module" }, null, 2)}\n`);
  await write("convoy/schema.ts", SCHEMA);
  await write("convoy/messages.ts", MESSAGES);
  await write("CONVOY.md", README);
  const gitignore = join(dir, ".gitignore");
  const ignored = existsSync(gitignore) ? await readFile(gitignore, "utf8") : "";
  if (!ignored.split("\n").includes(".convoy/")) {
    await appendFile(gitignore, `${ignored === "" || ignored.endsWith("\n") ? "" : "\n"}.convoy/\n`);
    result.created.push(".gitignore entry .convoy/");
  }
  await runCodegen(join(dir, "convoy"));
  result.created.push("convoy/_generated/");
  return result;
}

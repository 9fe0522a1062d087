import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** A temporary directory with a copy of the playground's functions with a schema of the two indexed tables only. */
export function benchApp(): string {
  const app = mkdtempSync(join(tmpdir(), "convoy-bench-"));
  cpSync(join(root, "examples/playground/convoy"), join(app, "convoy"), { recursive: true });
  // the playground's dev issuer (auth.config.ts) imports jose
  symlinkSync(join(root, "node_modules"), join(app, "node_modules"), "dir");
  const schemaFile = join(app, "convoy/schema.ts");
  writeFileSync(schemaFile, readFileSync(schemaFile, "utf8").replace(/\n\s*\.index\("by_likes", \["likes"\]\)/, ""));
  // The engine without the playground's sign-in and rules (bench/rules.bench.ts measures rules):
  // no rules, and a `send` that takes its author as an argument, as the hand-written server's does.
  writeFileSync(join(app, "convoy/rules.ts"), `import { defineRules } from "./_generated/server.js";\nexport default defineRules({});\n`);
  const messagesFile = join(app, "convoy/messages.ts");
  const messages = readFileSync(messagesFile, "utf8");
  const sendStart = messages.indexOf("export const send = mutation(");
  const sendEnd = messages.indexOf("\n});\n", sendStart) + "\n});\n".length;
  writeFileSync(
    messagesFile,
    messages.slice(0, sendStart) +
      `export const send = mutation({\n  args: { author: v.string(), body: v.string() },\n  handler: (ctx, { author, body }) => ctx.db.insert("messages", { author, body, likes: 0 }),\n});\n` +
      messages.slice(sendEnd),
  );
  return app;
}


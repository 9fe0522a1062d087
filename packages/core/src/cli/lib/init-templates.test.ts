import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { MESSAGES, MESSAGES_TEST, SCHEMA } from "./init-templates.js";

it("docs/getting-started.md shows exactly the files convoy init writes", () => {
  const page = readFileSync(new URL("../../../../../docs/getting-started.md", import.meta.url), "utf8");
  for (const [path, content] of [
    ["convoy/schema.ts", SCHEMA],
    ["convoy/messages.ts", MESSAGES],
    ["convoy/messages.test.ts", MESSAGES_TEST],
  ]) {
    expect(page, path).toContain(`\`\`\`ts\n// ${path}\n${content}\`\`\``);
  }
});

import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bundleAndLoadApp } from "../../src/cli/lib/bundle-app.js";
import { runCodegen } from "../../src/codegen/index.js";
import { isRulesDefinition } from "../../src/rules/index.js";

/** `convoy dev`/`start` load `convoy/rules.ts` (not a functions module) through the generated `functions.ts`. */
describe("rules.ts in a project", () => {
  let dir = "";
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("is imported by _generated/functions.ts, typed by _generated/server, and loaded with the app", async () => {
    dir = await mkdtemp(join(tmpdir(), "convoy-rules-"));
    const convoy = join(dir, "convoy");
    await mkdir(convoy);
    await writeFile(
      join(convoy, "schema.ts"),
      `import { defineSchema, defineTable } from "@convoy/core/server";\nimport { v } from "@convoy/core/values";\nexport default defineSchema({ notes: defineTable({ owner: v.string() }) });\n`,
    );
    await writeFile(join(convoy, "notes.ts"), `import { query } from "./_generated/server";\nexport const list = query({ args: {}, handler: (ctx) => ctx.db.query("notes").collect() });\n`);
    await writeFile(
      join(convoy, "rules.ts"),
      `import { defineRules } from "./_generated/server";\nexport default defineRules({ defaultPolicy: "deny", notes: { read: { filter: (q, me) => q.eq(q.field("owner"), me?.subject ?? null) } } });\n`,
    );
    await runCodegen(convoy);
    const app = await bundleAndLoadApp(dir, convoy, join(dir, ".convoy", "build"));
    expect(isRulesDefinition(app.rules)).toBe(true);
    expect(app.rules!.defaultPolicy).toBe("deny");
    expect([...app.rules!.tables.keys()]).toEqual(["notes"]);
    expect(app.registry.get("notes:list")).toBeDefined();
    expect(app.registry.get("rules:default")).toBeUndefined();
  });
});

/*
 * Codegen gives the same bytes on PGlite and on Postgres: this file runs in both database
 * projects and, with the fixture app's tables created and filled on that database, generates
 * exactly the committed `_generated/` (codegen reads files only; see codegen.test.ts).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import { appSchema, modules } from "../../test/client/fixture/convoy/_generated/functions.js";
import { createRegistrySync } from "../functions/registry.js";
import { createRuntime } from "../runtime/index.js";
import { GENERATED_DIR, runCodegen } from "./run-codegen.js";

const fixture = fileURLToPath(new URL("../../test/client/fixture/convoy/", import.meta.url));
const db = useTestDatabase();

function readGenerated(functionsDir: string): Record<string, string> {
  const out = join(functionsDir, GENERATED_DIR);
  return Object.fromEntries(readdirSync(out).sort().map((name) => [name, readFileSync(join(out, name), "utf8")]));
}

it("generates the committed files with the app's tables live on this database", async () => {
  const runtime = await createRuntime({ driver: db().driver, schema: appSchema, registry: createRegistrySync(modules), ensureStorage: { databaseUrl: db().databaseUrl } });
  await runtime.run("mutation", "notes:add", { title: "x", stars: 1n });
  const dir = mkdtempSync(join(tmpdir(), "convoy-codegen-db-"));
  try {
    cpSync(fixture, dir, { recursive: true, filter: (path) => !path.includes(GENERATED_DIR) });
    await runCodegen(dir);
    expect(readGenerated(dir)).toEqual(readGenerated(fixture));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

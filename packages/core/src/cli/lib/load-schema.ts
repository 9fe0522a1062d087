import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { SchemaDefinition, defineSchema } from "../../schema/index.js";
import { AppLoadError, bundleEntry } from "./bundle-app.js";

const SCHEMA_FILES = ["schema.ts", "schema.js", "schema.mts", "schema.mjs"];

let generation = 0;

/**
 * Bundles and loads only `schema.ts` and what it imports (what `convoy sync` needs): a stale
 * `_generated/` or a broken function module cannot stop a sync. No schema file: the empty
 * schema, as the app loader uses.
 */
export async function loadSchemaOnly(projectDir: string, functionsDir: string, buildDir: string): Promise<SchemaDefinition> {
  const file = SCHEMA_FILES.find((name) => existsSync(join(functionsDir, name)));
  if (file === undefined) return defineSchema({}, { schemaValidation: false });
  await mkdir(buildDir, { recursive: true });
  const outfile = join(buildDir, `schema-${String(process.pid)}-${String(++generation)}.mjs`);
  await bundleEntry(projectDir, join(functionsDir, file), outfile);
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(outfile).href)) as typeof loaded;
  } catch (error) {
    throw new AppLoadError(`failed to load ${file}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    await rm(outfile, { force: true });
  }
  if (!(loaded.default instanceof SchemaDefinition)) throw new AppLoadError(`${file} must \`export default defineSchema({ ... })\``);
  return loaded.default;
}

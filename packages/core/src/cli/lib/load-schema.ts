import { SchemaDefinition, schemalessSchema } from "../../schema/index.js";
import { AppLoadError } from "./bundle-app.js";
import { findConfigFile, importConfigDefault } from "./import-config-module.js";

const SCHEMA_FILES = ["schema.ts", "schema.js", "schema.mts", "schema.mjs"];

/**
 * Bundles and loads only `schema.ts` and what it imports (what `convoy sync` needs): a stale
 * `_generated/` or a broken function module cannot stop a sync. No schema file: the empty
 * schema, as the app loader uses.
 */
export async function loadSchemaOnly(projectDir: string, functionsDir: string, buildDir: string): Promise<SchemaDefinition> {
  const file = findConfigFile(functionsDir, SCHEMA_FILES);
  if (file === undefined) return schemalessSchema();
  const schema = await importConfigDefault(projectDir, functionsDir, buildDir, file);
  if (!(schema instanceof SchemaDefinition)) throw new AppLoadError(`${file} must \`export default defineSchema({ ... })\``);
  return schema;
}

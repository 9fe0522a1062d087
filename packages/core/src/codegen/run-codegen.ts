import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateFiles } from "./generate-files.js";
import { listModules } from "./list-modules.js";

/** The generated directory's name inside the functions dir. */
export const GENERATED_DIR = "_generated";

/**
 * Writes `<functionsDir>/_generated/`. Files whose content is unchanged are not rewritten (so
 * watchers and bundlers see no change). Returns the names of the files written.
 */
export async function runCodegen(functionsDir: string): Promise<string[]> {
  const schemaFile = ["schema.ts", "schema.js", "schema.mts", "schema.mjs"].find((file) => existsSync(join(functionsDir, file))) ?? null;
  const find = (name: string) => [".ts", ".js", ".mts", ".mjs"].map((extension) => `${name}${extension}`).find((file) => existsSync(join(functionsDir, file))) ?? null;
  const rulesFile = find("rules");
  const files = generateFiles({ modules: await listModules(functionsDir), schemaFile, rulesFile, cronsFile: find("crons"), httpFile: find("http") });
  const outDir = join(functionsDir, GENERATED_DIR);
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = join(outDir, name);
    const current = await readFile(path, "utf8").catch(() => null);
    if (current === content) continue;
    await writeFile(path, content);
    written.push(name);
  }
  return written;
}

import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { modulePathFromKey } from "../functions/function-name.js";

/** A functions module found on disk. */
export interface ModuleFile {
  /** Module path as in function names: `"messages"`, `"admin/users"`. */
  modulePath: string;
  /** Path relative to the functions dir, with `/` separators: `"admin/users.ts"`. */
  file: string;
}

/** Files in the functions dir that are not function modules (they have their own meaning). */
const NOT_MODULES = new Set(["schema", "rules", "http", "crons"]);

/**
 * Every functions module under `functionsDir`, sorted by module path (so output that depends on
 * it is deterministic). Skips `_`/`.` files and folders (`_generated/`), `schema.ts`, and
 * files such as `auth.config.ts` or `*.test.ts`.
 */
export async function listModules(functionsDir: string): Promise<ModuleFile[]> {
  const entries = await readdir(functionsDir, { recursive: true, withFileTypes: true });
  const modules: ModuleFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = relative(functionsDir, join(entry.parentPath, entry.name)).replaceAll("\\", "/");
    if (file.endsWith(".d.ts")) continue;
    const modulePath = modulePathFromKey(file);
    if (modulePath === null || NOT_MODULES.has(modulePath)) continue;
    modules.push({ modulePath, file });
  }
  return modules.sort((a, b) => (a.modulePath < b.modulePath ? -1 : a.modulePath > b.modulePath ? 1 : 0));
}

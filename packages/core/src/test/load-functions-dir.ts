import { readdir } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { modulePathFromKey } from "../functions/function-name.js";

/**
 * Import every module of a functions directory (files and folders starting with `_` or `.`,
 * files with another dot in their name and `node_modules` are skipped). Keys are module paths
 * (`"admin/users"`). Loading `.ts` files needs a runtime that imports TypeScript (vitest, tsx).
 *
 * @example
 * const modules = await loadFunctionsDir("./convoy"); // { messages: {...}, "admin/users": {...}, schema: {...} }
 */
export async function loadFunctionsDir(functionsDir: string): Promise<Record<string, object>> {
  const root = resolve(functionsDir);
  const files: string[] = [];
  async function walk(dir: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (dir === root) throw new Error(`convoyTest: cannot read the functions directory ${root} (pass modules, or options.functionsDir)`, { cause: error });
      throw error;
    }
    for (const entry of entries) {
      if (entry.name === "node_modules" || entry.name.startsWith("_") || entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push(path);
    }
  }
  await walk(root);
  const modules: Record<string, object> = {};
  for (const file of files.sort()) {
    const key = relative(root, file).split(sep).join("/");
    const modulePath = modulePathFromKey(key);
    if (modulePath === null) continue;
    modules[modulePath] = (await import(pathToFileURL(file).href)) as object;
  }
  return modules;
}

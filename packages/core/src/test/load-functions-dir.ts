import { mkdir, readdir, rm } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { modulePathFromKey } from "../functions/function-name.js";

/**
 * Import every module of a functions directory (files and folders starting with `_` or `.`,
 * files with another dot in their name and `node_modules` are skipped). Keys are module paths
 * (`"admin/users"`). Under a runtime that imports TypeScript (vitest, tsx) each file is imported
 * as it is; where `.ts` cannot be imported (plain Node), the directory is bundled with esbuild,
 * as `convoy dev` does, and the bundle is imported.
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
  const entries = files
    .sort()
    .map((file) => ({ file, modulePath: modulePathFromKey(relative(root, file).split(sep).join("/")) }))
    .filter((entry): entry is { file: string; modulePath: string } => entry.modulePath !== null);
  const modules: Record<string, object> = {};
  try {
    for (const { file, modulePath } of entries) modules[modulePath] = (await import(pathToFileURL(file).href)) as object;
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
    return importBundled(root, entries);
  }
  return modules;
}

let bundles = 0;

/** Bundle the modules into one ESM file next to the project (packages stay external) and import it. */
async function importBundled(root: string, entries: readonly { file: string; modulePath: string }[]): Promise<Record<string, object>> {
  const outfile = join(dirname(root), ".convoy", "test-build", `functions-${process.pid}-${++bundles}.mjs`);
  await mkdir(dirname(outfile), { recursive: true });
  const contents = entries.map(({ file }, i) => `export * as m${String(i)} from ${JSON.stringify(file)};`).join("\n");
  await esbuild.build({ stdin: { contents, resolveDir: root, loader: "ts" }, outfile, bundle: true, platform: "node", format: "esm", packages: "external", logLevel: "silent" });
  try {
    const bundle = (await import(pathToFileURL(outfile).href)) as Record<string, object>;
    return Object.fromEntries(entries.map(({ modulePath }, i) => [modulePath, bundle[`m${String(i)}`]!]));
  } finally {
    await rm(outfile, { force: true });
  }
}

import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { PACKAGE_DEPENDENCIES, PACKAGE_DEV_DEPENDENCIES, PACKAGE_SCRIPTS } from "./init-templates.js";

/** What {@link preparePackageJson} did: each change in words, and warnings it could not resolve. */
export interface PackageJsonChanges {
  created: boolean;
  changes: string[];
  warnings: string[];
  /** Dependencies were added: `npm install` is needed. */
  installNeeded: boolean;
}

type PackageJson = Record<string, unknown> & {
  type?: unknown;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

/**
 * Creates `package.json`, or adds what a Convoy app needs to an existing one: `"type": "module"`
 * (only when no CommonJS `.js` file at the top level would break), the `dev`/`test` scripts,
 * `@convoy/core`, TypeScript and vitest. Never replaces a value that is there.
 */
export async function preparePackageJson(dir: string): Promise<PackageJsonChanges> {
  const path = join(dir, "package.json");
  const result: PackageJsonChanges = { created: !existsSync(path), changes: [], warnings: [], installNeeded: false };
  const pkg: PackageJson = result.created ? { name: packageName(dir), private: true } : (JSON.parse(await readFile(path, "utf8")) as PackageJson);

  if (pkg.type === undefined) {
    const commonJs = await commonJsFiles(dir);
    if (commonJs.length === 0) {
      pkg.type = "module";
      result.changes.push('"type": "module"');
    } else {
      result.warnings.push(`package.json has no "type"; left as CommonJS because ${commonJs.join(", ")} use require/module.exports. Convoy's functions are ESM: rename those files to .cjs and add "type": "module"`);
    }
  } else if (pkg.type !== "module") {
    result.warnings.push(`package.json has "type": ${JSON.stringify(pkg.type)}; Convoy's functions and generated files are ESM, so set "type": "module" when you can`);
  }
  for (const [field, entries] of [
    ["scripts", PACKAGE_SCRIPTS],
    ["dependencies", PACKAGE_DEPENDENCIES],
    ["devDependencies", PACKAGE_DEV_DEPENDENCIES],
  ] as const) {
    for (const [name, value] of Object.entries(entries)) {
      const present = field === "scripts" ? pkg.scripts?.[name] !== undefined : pkg.dependencies?.[name] !== undefined || pkg.devDependencies?.[name] !== undefined;
      if (present) continue;
      pkg[field] = { ...pkg[field], [name]: value };
      result.changes.push(field === "scripts" ? `script "${name}": "${value}"` : `${field} ${name}@${value}`);
      if (field !== "scripts") result.installNeeded = true;
    }
  }
  if (result.created || result.changes.length > 0) await writeFile(path, `${JSON.stringify(pkg, null, 2)}\n`);
  return result;
}

/** The folder's name as an npm package name. */
function packageName(dir: string): string {
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "");
  return name === "" ? "convoy-app" : name;
}

/** Top-level `.js` files written as CommonJS, which `"type": "module"` would break. */
async function commonJsFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const file of await readdir(dir)) {
    if (!file.endsWith(".js")) continue;
    const text = await readFile(join(dir, file), "utf8").catch(() => "");
    if (/\brequire\s*\(|\bmodule\.exports\b|\bexports\.\w+\s*=/.test(text)) found.push(file);
  }
  return found;
}

import { existsSync } from "node:fs";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCodegen } from "../../codegen/index.js";
import { preparePackageJson } from "./init-package-json.js";
import { MESSAGES, MESSAGES_TEST, README, SCHEMA, TSCONFIG } from "./init-templates.js";

/** What `convoy init` did: files created, existing files kept, changes to existing files, warnings. */
export interface InitResult {
  created: string[];
  skipped: string[];
  changed: string[];
  warnings: string[];
  /** Dependencies were added to package.json: run `npm install`. */
  installNeeded: boolean;
}

/**
 * Scaffolds a working, type-checking app in `dir`, or adds what is missing to an existing one:
 * package.json (`"type": "module"`, scripts, `@convoy/core`, TypeScript, vitest), tsconfig.json,
 * a schema, one module and its test, a README snippet, `_generated/`. Never overwrites a file.
 */
export async function initProject(dir: string): Promise<InitResult> {
  await mkdir(dir, { recursive: true });
  const pkg = await preparePackageJson(dir);
  const result: InitResult = {
    created: pkg.created ? ["package.json"] : [],
    skipped: [],
    changed: pkg.created ? [] : pkg.changes.map((change) => `package.json: ${change}`),
    warnings: pkg.warnings,
    installNeeded: pkg.installNeeded,
  };
  const write = async (relativePath: string, content: string) => {
    const path = join(dir, relativePath);
    if (existsSync(path)) return void result.skipped.push(relativePath);
    await mkdir(join(path, ".."), { recursive: true });
    await writeFile(path, content);
    result.created.push(relativePath);
  };
  await write("tsconfig.json", TSCONFIG);
  await write("convoy/schema.ts", SCHEMA);
  await write("convoy/messages.ts", MESSAGES);
  await write("convoy/messages.test.ts", MESSAGES_TEST);
  await write("CONVOY.md", README);
  const gitignore = join(dir, ".gitignore");
  const ignored = existsSync(gitignore) ? await readFile(gitignore, "utf8") : "";
  const missing = [".convoy/", "node_modules/"].filter((entry) => !ignored.split("\n").includes(entry));
  if (missing.length > 0) {
    await appendFile(gitignore, `${ignored === "" || ignored.endsWith("\n") ? "" : "\n"}${missing.join("\n")}\n`);
    result.changed.push(`.gitignore: ${missing.join(", ")}`);
  }
  await runCodegen(join(dir, "convoy"));
  result.created.push("convoy/_generated/");
  return result;
}

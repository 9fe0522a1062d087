import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { createRegistry, type FunctionRegistry, type ModuleRecord } from "../../functions/index.js";
import type { SchemaDefinition } from "../../schema/index.js";
import { schemalessSchema } from "../../schema/index.js";
import type { RulesDefinition } from "../../rules/index.js";
import { GENERATED_DIR } from "../../codegen/index.js";
import { convoyImportsPlugin } from "./convoy-imports-plugin.js";
import { isCrons, type Crons } from "../../crons/cron-jobs.js";
import { isHttpRouter, type HttpRouter } from "../../http-actions/http-router.js";

/** A loaded version of the user's app: its registry and schema. */
export interface LoadedApp {
  registry: FunctionRegistry;
  schema: SchemaDefinition;
  /** Its table rules (the default export of `rules.ts`), if it has any. */
  rules: RulesDefinition | undefined;
  /** Its cron jobs (the default export of `crons.ts`), if it has any. */
  crons?: Crons | undefined;
  /** Its HTTP routes (the default export of `http.ts`), if it has any. */
  http?: HttpRouter | undefined;
  /** The bundle file it was loaded from. */
  bundle: string;
  /**
   * Function modules left out because they import from `convex/server` or `convex/values`
   * what Convoy does not provide: each file with what is missing. The rest is served.
   */
  skipped: readonly SkippedModule[];
}

/** A function module Convoy could not build, and why (esbuild's message, with its line). */
export interface SkippedModule {
  file: string;
  reason: string;
}

/** A build or load failure with the file, line and message the user needs. */
export class AppLoadError extends Error {
  override readonly name = "AppLoadError";
}

let generation = 0;

/**
 * Bundles one entry of the user's code (and what it imports; packages stay external, Convoy's
 * own imports resolve to this CLI's modules) into one ESM file with an inline source map. A
 * build failure is an {@link AppLoadError} with esbuild's messages.
 */
export async function bundleEntry(projectDir: string, entry: string, outfile: string): Promise<void> {
  try {
    await buildBundle(projectDir, entry, outfile);
  } catch (error) {
    throw new AppLoadError(formatBuildFailure(error, projectDir));
  }
}

async function buildBundle(projectDir: string, entry: string, outfile: string): Promise<esbuild.BuildResult> {
  {
    return await esbuild.build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      plugins: [convoyImportsPlugin],
      sourcemap: "inline",
      logLevel: "silent",
      absWorkingDir: projectDir,
      metafile: true,
    });
  }
}

/**
 * Names a file imports from `convex/server` or `convex/values` that Convoy's modules do not
 * export (Convex components, …), by file relative to the project: Convoy's modules are
 * external to the bundle, so esbuild cannot see it. Read from the source's import statements.
 */
async function missingConvexImports(projectDir: string, metafile: esbuild.Metafile | undefined): Promise<Map<string, string[]>> {
  const missing = new Map<string, string[]>();
  for (const [file, input] of Object.entries(metafile?.inputs ?? {})) {
    if (!input.imports.some((entry) => entry.external === true && /convex-compat[\\/](server|values)\.[jt]s$/.test(entry.path))) continue;
    const source = await readFile(join(projectDir, file), "utf8").catch(() => "");
    for (const match of source.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s*from\s*["']convex\/(server|values)["']/g)) {
      if (match[1] !== undefined) continue;
      const exported = await convexModuleExports(match[3]!);
      for (const specifier of match[2]!.split(",")) {
        const name = specifier.trim().split(/\s+as\s+/)[0]!.trim();
        if (name === "" || name.startsWith("type ") || exported.has(name)) continue;
        const line = source.slice(0, match.index).split("\n").length;
        const reasons = missing.get(file) ?? [];
        reasons.push(`line ${String(line)}: "${name}" from convex/${match[3]!} is not supported by Convoy`);
        missing.set(file, reasons);
      }
    }
  }
  return missing;
}

const compatExports = new Map<string, Promise<Set<string>>>();
function convexModuleExports(module: string): Promise<Set<string>> {
  let names = compatExports.get(module);
  if (names === undefined) {
    names = (module === "server" ? import("../../convex-compat/server.js") : import("../../convex-compat/values.js")).then((exports) => new Set(Object.keys(exports)));
    compatExports.set(module, names);
  }
  return names;
}

/**
 * Bundles `_generated/functions.ts` (every module and the schema) with esbuild into
 * `<buildDir>/app-<n>.mjs` and imports it. Each load gets a new file name, so Node's module
 * cache never serves a stale version; older bundles are removed.
 */
export async function bundleAndLoadApp(projectDir: string, functionsDir: string, buildDir: string): Promise<LoadedApp> {
  await mkdir(buildDir, { recursive: true });
  const outfile = join(buildDir, `app-${process.pid}-${++generation}.mjs`);
  const skipped = await bundleServable(projectDir, functionsDir, outfile);
  let loaded: { modules?: ModuleRecord; appSchema?: SchemaDefinition; appRules?: RulesDefinition; appCrons?: unknown; appHttp?: unknown };
  try {
    loaded = (await import(pathToFileURL(outfile).href)) as typeof loaded;
  } catch (error) {
    throw new AppLoadError(`failed to load your functions: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    await removeOlderBundles(buildDir, outfile);
  }
  const registry = await createRegistry(loaded.modules ?? {});
  if (loaded.appCrons !== undefined && !isCrons(loaded.appCrons)) throw new AppLoadError("crons.ts must `export default` the result of cronJobs()");
  if (loaded.appHttp !== undefined && !isHttpRouter(loaded.appHttp)) throw new AppLoadError("http.ts must `export default` the result of httpRouter()");
  return {
    registry,
    schema: loaded.appSchema ?? schemalessSchema(),
    rules: loaded.appRules,
    crons: loaded.appCrons,
    http: loaded.appHttp,
    bundle: outfile,
    skipped,
  };
}

/**
 * Bundles the app's entry. A function module that imports from `convex/server` or
 * `convex/values` what Convoy does not provide (Convex components, …) is left out, with what
 * it lacks, and the rest is bundled and served (Convex apps often hold such a file). A build
 * failure (a syntax error, an unresolved import) stays an {@link AppLoadError}: `convoy dev`
 * then keeps the last good version.
 */
async function bundleServable(projectDir: string, functionsDir: string, outfile: string): Promise<SkippedModule[]> {
  const entry = join(functionsDir, GENERATED_DIR, "functions.ts");
  let metafile: esbuild.Metafile | undefined;
  try {
    metafile = (await buildBundle(projectDir, entry, outfile)).metafile;
  } catch (error) {
    throw new AppLoadError(formatBuildFailure(error, projectDir));
  }
  const missing = await missingConvexImports(projectDir, metafile);
  if (missing.size === 0) return [];
  const source = await readFile(entry, "utf8");
  const byModule = new Map<string, string[]>();
  for (const [location, reasons] of missing) {
    const file = relative(functionsDir, join(projectDir, location)).replaceAll("\\", "/");
    // only the app's function modules can be left out; elsewhere the import fails where it is used
    if (source.includes(` from "../${file.replace(/\.[cm]?[jt]sx?$/, "")}.js";`)) byModule.set(file, reasons);
  }
  if (byModule.size === 0) return [];
  // the entry without those modules, next to the original (its imports are relative)
  let partial = source;
  for (const file of byModule.keys()) {
    const specifier = `"../${file.replace(/\.[cm]?[jt]sx?$/, "")}.js"`;
    const line = new RegExp(`^import \\* as (\\w+) from ${specifier.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")};\n`, "m").exec(partial);
    if (line === null) throw new AppLoadError(`${file}: ${byModule.get(file)!.join("; ")}`);
    partial = partial.replace(line[0], "").replace(new RegExp(`^\\s+"[^"\n]*": ${line[1]!},\n`, "m"), "");
  }
  const partialEntry = join(functionsDir, GENERATED_DIR, `.functions-served-${String(process.pid)}.ts`);
  await writeFile(partialEntry, partial);
  try {
    await buildBundle(projectDir, partialEntry, outfile);
  } catch (error) {
    throw new AppLoadError(formatBuildFailure(error, projectDir));
  } finally {
    await rm(partialEntry, { force: true });
  }
  return [...byModule].map(([file, reasons]) => ({ file, reason: reasons.join("; ") }));
}

/** An esbuild failure as `file:line:col: error: text` lines. */
export function formatBuildFailure(error: unknown, projectDir: string): string {
  const failure = error as Partial<esbuild.BuildFailure>;
  if (!Array.isArray(failure.errors)) return error instanceof Error ? error.message : String(error);
  return failure.errors
    .map((message) => {
      const where = message.location ? `${relative(projectDir, join(projectDir, message.location.file))}:${message.location.line}:${message.location.column + 1}: ` : "";
      return `${where}${message.text}${message.location?.lineText ? `\n    ${message.location.lineText}` : ""}`;
    })
    .join("\n");
}

async function removeOlderBundles(buildDir: string, keep: string): Promise<void> {
  const { readdir } = await import("node:fs/promises");
  for (const file of await readdir(buildDir)) {
    const path = join(buildDir, file);
    if (path !== keep && file.startsWith(`app-${process.pid}-`)) await rm(path, { force: true });
  }
}

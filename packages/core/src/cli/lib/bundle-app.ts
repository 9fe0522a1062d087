import { mkdir, rm } from "node:fs/promises";
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
    await esbuild.build({
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
    });
  } catch (error) {
    throw new AppLoadError(formatBuildFailure(error, projectDir));
  }
}

/**
 * Bundles `_generated/functions.ts` (every module and the schema) with esbuild into
 * `<buildDir>/app-<n>.mjs` and imports it. Each load gets a new file name, so Node's module
 * cache never serves a stale version; older bundles are removed.
 */
export async function bundleAndLoadApp(projectDir: string, functionsDir: string, buildDir: string): Promise<LoadedApp> {
  await mkdir(buildDir, { recursive: true });
  const outfile = join(buildDir, `app-${process.pid}-${++generation}.mjs`);
  await bundleEntry(projectDir, join(functionsDir, GENERATED_DIR, "functions.ts"), outfile);
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
  };
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

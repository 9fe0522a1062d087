import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { AppLoadError, bundleEntry } from "./bundle-app.js";

let generation = 0;

/** The first of `candidates` (file names) that exists in `functionsDir`, else `undefined`. */
export function findConfigFile(functionsDir: string, candidates: readonly string[]): string | undefined {
  return candidates.find((name) => existsSync(join(functionsDir, name)));
}

/**
 * Bundles `<functionsDir>/<file>` and what it imports on its own (configuration such as
 * `schema.ts` or `auth.config.ts`, never the functions modules) and returns its default export.
 * A build or load error is an {@link AppLoadError} naming the file.
 */
export async function importConfigDefault(projectDir: string, functionsDir: string, buildDir: string, file: string): Promise<unknown> {
  await mkdir(buildDir, { recursive: true });
  const outfile = join(buildDir, `${file.replace(/\W+/g, "-")}-${String(process.pid)}-${String(++generation)}.mjs`);
  await bundleEntry(projectDir, join(functionsDir, file), outfile);
  try {
    return ((await import(pathToFileURL(outfile).href)) as { default?: unknown }).default;
  } catch (error) {
    throw new AppLoadError(`failed to load ${file}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    await rm(outfile, { force: true });
  }
}

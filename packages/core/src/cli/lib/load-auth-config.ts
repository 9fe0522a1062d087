import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { validateAuthConfig, type AuthConfig } from "../../auth/index.js";
import { isFrameworkError } from "../../errors/index.js";
import { AppLoadError, bundleEntry } from "./bundle-app.js";

const AUTH_CONFIG_FILES = ["auth.config.ts", "auth.config.mts", "auth.config.js", "auth.config.mjs"];

let generation = 0;

/**
 * Bundles and loads `<functionsDir>/auth.config.ts` (and what it imports) on its own, as the
 * schema is loaded: it is configuration, not a functions module. `undefined` when there is no
 * such file (then `fallback`, the `auth` of `convoy.config.ts`). A build error or an invalid
 * config is an {@link AppLoadError} naming the file.
 */
export async function loadAuthConfig(projectDir: string, functionsDir: string, buildDir: string, fallback?: unknown): Promise<AuthConfig | undefined> {
  const file = AUTH_CONFIG_FILES.find((name) => existsSync(join(functionsDir, name)));
  if (file === undefined) return fallback === undefined ? undefined : checked(fallback, "convoy.config.ts (auth)");
  if (fallback !== undefined) throw new AppLoadError(`auth is configured twice: in ${file} and in convoy.config.ts; keep one`);
  await mkdir(buildDir, { recursive: true });
  const outfile = join(buildDir, `auth-${String(process.pid)}-${String(++generation)}.mjs`);
  await bundleEntry(projectDir, join(functionsDir, file), outfile);
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(outfile).href)) as typeof loaded;
  } catch (error) {
    throw new AppLoadError(`failed to load ${file}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    await rm(outfile, { force: true });
  }
  if (loaded.default === undefined) throw new AppLoadError(`${file} must \`export default { providers: [...] }\``);
  return checked(loaded.default, file);
}

function checked(config: unknown, file: string): AuthConfig {
  try {
    return validateAuthConfig(config);
  } catch (error) {
    if (isFrameworkError(error)) throw new AppLoadError(`${file}: ${error.message}`);
    throw error;
  }
}

import { validateAuthConfig, type AuthConfig } from "../../auth/index.js";
import { isFrameworkError } from "../../errors/index.js";
import { AppLoadError } from "./bundle-app.js";
import { findConfigFile, importConfigDefault } from "./import-config-module.js";

const AUTH_CONFIG_FILES = ["auth.config.ts", "auth.config.mts", "auth.config.js", "auth.config.mjs"];

/**
 * Bundles and loads `<functionsDir>/auth.config.ts` (and what it imports) on its own, as the
 * schema is loaded: it is configuration, not a functions module. `undefined` when there is no
 * such file (then `fallback`, the `auth` of `convoy.config.ts`). A build error or an invalid
 * config is an {@link AppLoadError} naming the file.
 */
export async function loadAuthConfig(projectDir: string, functionsDir: string, buildDir: string, fallback?: unknown): Promise<AuthConfig | undefined> {
  const file = findConfigFile(functionsDir, AUTH_CONFIG_FILES);
  if (file === undefined) return fallback === undefined ? undefined : checked(fallback, "convoy.config.ts (auth)");
  if (fallback !== undefined) throw new AppLoadError(`auth is configured twice: in ${file} and in convoy.config.ts; keep one`);
  const config = await importConfigDefault(projectDir, functionsDir, buildDir, file);
  if (config === undefined) throw new AppLoadError(`${file} must \`export default { providers: [...] }\``);
  return checked(config, file);
}

function checked(config: unknown, file: string): AuthConfig {
  try {
    return validateAuthConfig(config);
  } catch (error) {
    if (isFrameworkError(error)) throw new AppLoadError(`${file}: ${error.message}`);
    throw error;
  }
}

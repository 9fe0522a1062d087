import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Plugin } from "esbuild";

/** `.ts` when the CLI runs from source (tsx, tests), `.js` when it runs from `dist/`. */
const OWN_EXTENSION = import.meta.url.endsWith(".ts") ? "ts" : "js";

/** The subpaths `@convoy/core` exports (its `exports` map is the one list), read once. */
const SUBPATHS: ReadonlySet<string> = new Set(
  Object.keys((JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { exports: Record<string, unknown> }).exports)
    .filter((key) => key !== "./package.json")
    .map((key) => key.slice(2)),
);

/**
 * Resolves `@convoy/core/*` imports in the user's bundle to the very module files this CLI
 * runs from, kept external. The user's functions and the server then share one instance of
 * Convoy, whichever copy the user's project would otherwise resolve. `convex/server` and
 * `convex/values` resolve to Convoy's Convex-compatible modules the same way.
 */
export const convoyImportsPlugin: Plugin = {
  name: "convoy-imports",
  setup(build) {
    build.onResolve({ filter: /^@convoy\/core\/[a-z]+$/ }, (args) => {
      const subpath = args.path.slice("@convoy/core/".length);
      if (!SUBPATHS.has(subpath)) return undefined;
      return { path: fileURLToPath(new URL(`../../${subpath}/index.${OWN_EXTENSION}`, import.meta.url)), external: true };
    });
    // Convex app code: `convex/server` and `convex/values` are Convoy (docs/convex.md).
    build.onResolve({ filter: /^convex\/(server|values)$/ }, (args) => ({
      path: fileURLToPath(new URL(`../../convex-compat/${args.path.slice("convex/".length)}.${OWN_EXTENSION}`, import.meta.url)),
      external: true,
    }));
  },
};

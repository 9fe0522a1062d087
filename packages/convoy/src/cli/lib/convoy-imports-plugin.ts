import { fileURLToPath } from "node:url";
import type { Plugin } from "esbuild";

const SUBPATHS = new Set(["server", "values", "browser", "test"]);
/** `.ts` when the CLI runs from source (tsx, tests), `.js` when it runs from `dist/`. */
const OWN_EXTENSION = import.meta.url.endsWith(".ts") ? "ts" : "js";

/**
 * Resolves `convoy/*` imports in the user's bundle to the very module files this CLI runs from,
 * kept external. The user's functions and the server then share one instance of Convoy,
 * whichever copy the user's project would otherwise resolve.
 */
export const convoyImportsPlugin: Plugin = {
  name: "convoy-imports",
  setup(build) {
    build.onResolve({ filter: /^convoy\/[a-z]+$/ }, (args) => {
      const subpath = args.path.slice("convoy/".length);
      if (!SUBPATHS.has(subpath)) return undefined;
      return { path: fileURLToPath(new URL(`../../${subpath}/index.${OWN_EXTENSION}`, import.meta.url)), external: true };
    });
  },
};

import { fileURLToPath } from "node:url";

/**
 * The dashboard's HTML, JS and CSS: `packages/core/dashboard/`, shipped in the package. The
 * same relative path from `src/dashboard/` (tests, tsx) and `dist/dashboard/` (the built CLI).
 */
export const DASHBOARD_ASSETS_DIR = fileURLToPath(new URL("../../dashboard/", import.meta.url));

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** `@convoy/core/<subpath>` → its source, for every subpath the package exports (the one list). */
const coreExports = (JSON.parse(readFileSync(new URL("./packages/core/package.json", import.meta.url), "utf8")) as { exports: Record<string, unknown> }).exports;
const coreAliases = Object.fromEntries(
  Object.keys(coreExports)
    .filter((key) => key !== "./package.json")
    .map((key) => [`@convoy/core/${key.slice(2)}`, fileURLToPath(new URL(`./packages/core/src/${key.slice(2)}/index.ts`, import.meta.url))]),
);

/**
 * Three projects: `unit` (no database), and the database suites (`*.db.test.ts`) run twice,
 * unchanged, once on embedded PGlite and once on the real PostgreSQL server. `*.pg.test.ts`
 * suites run on the real server only: they need a network link to the database (a TCP proxy in
 * between), or they drive CLI commands whose subject does not depend on the driver (`convoy
 * sync` for servers and CI, auth flags), where a PGlite run would only cost minutes of CI.
 */
export default defineConfig({
  resolve: {
    alias: {
      ...coreAliases,
      "@convoy/react-query": fileURLToPath(new URL("./packages/react-query/src/index.ts", import.meta.url)),
    },
  },
  test: {
    // Two files at a time on CI's two cores (vitest's default would be one): most suites wait on
    // Postgres, PGlite or a child process, not on the CPU.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    typecheck: { enabled: true, include: ["**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["packages/*/src/**/*.test.{ts,tsx}", "packages/*/test/**/*.test.{ts,tsx}", "examples/*/test/**/*.test.ts"], exclude: ["**/*.{db,pg}.test.{ts,tsx}", "**/node_modules/**"] },
      },
      {
        extends: true,
        test: { name: "pglite", include: ["packages/*/src/**/*.db.test.{ts,tsx}", "packages/*/test/**/*.db.test.{ts,tsx}"], env: { CONVOY_TEST_DRIVER: "pglite" } },
      },
      {
        extends: true,
        test: { name: "postgres", include: ["packages/*/src/**/*.{db,pg}.test.{ts,tsx}", "packages/*/test/**/*.{db,pg}.test.{ts,tsx}"], env: { CONVOY_TEST_DRIVER: "postgres" } },
      },
    ],
  },
});

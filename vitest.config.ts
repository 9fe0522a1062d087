import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (subpath: string) => fileURLToPath(new URL(`./packages/convoy/src/${subpath}/index.ts`, import.meta.url));

/**
 * Three projects: `unit` (no database), and the database suites (`*.db.test.ts`) run twice,
 * unchanged, once on embedded PGlite and once on the real PostgreSQL server.
 */
export default defineConfig({
  resolve: {
    alias: {
      "convoy/values": src("values"),
      "convoy/server": src("server"),
      "convoy/browser": src("browser"),
      "convoy/test": src("test"),
      "@convoy/react-query": fileURLToPath(new URL("./packages/react-query/src/index.ts", import.meta.url)),
    },
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    typecheck: { enabled: true, include: ["**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["packages/*/src/**/*.test.{ts,tsx}", "packages/*/test/**/*.test.{ts,tsx}", "examples/*/test/**/*.test.ts"], exclude: ["**/*.db.test.{ts,tsx}", "**/node_modules/**"] },
      },
      {
        extends: true,
        test: { name: "pglite", include: ["packages/*/src/**/*.db.test.{ts,tsx}", "packages/*/test/**/*.db.test.{ts,tsx}"], env: { CONVOY_TEST_DRIVER: "pglite" } },
      },
      {
        extends: true,
        test: { name: "postgres", include: ["packages/*/src/**/*.db.test.{ts,tsx}", "packages/*/test/**/*.db.test.{ts,tsx}"], env: { CONVOY_TEST_DRIVER: "postgres" } },
      },
    ],
  },
});

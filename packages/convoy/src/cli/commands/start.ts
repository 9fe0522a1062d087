import type { Command } from "commander";
import { resolveConfig } from "../lib/config.js";
import { logger } from "../lib/logger.js";
import { closeOnSignals, serve } from "../lib/serve.js";
import { parsePort } from "../lib/parse-port.js";
import { join } from "node:path";
import { schemaMismatch } from "../../sync/index.js";
import { bundleAndLoadApp } from "../lib/bundle-app.js";
import { openDatabase } from "../lib/open-database.js";
import type { ResolvedConfig } from "../lib/config.js";

/** Refuses to serve a database whose recorded schema hash is not the code's (SPEC §7). */
async function checkSchema(config: ResolvedConfig): Promise<void> {
  const driver = await openDatabase(config);
  try {
    const app = await bundleAndLoadApp(config.projectDir, config.functionsDir, join(config.stateDir, "build"));
    const message = await schemaMismatch(driver, app.schema.hash);
    if (message !== null) throw new Error(message);
  } finally {
    await driver.close();
  }
}

/** `convoy start`: the production server. No watching, no schema changes. */
export function addStartCommand(program: Command): void {
  program
    .command("start")
    .description("production server: no watching, no schema changes, no stack traces in errors")
    .option("--port <port>", "HTTP port (default 3700)", parsePort)
    .option("--db <url>", "Postgres URL (default: DATABASE_URL, else the embedded PGlite in .convoy/)")
    .option("--static <dir>", "also serve a built web app from this directory at /")
    .option("--skip-schema-check", "serve even when the database's schema hash differs from the code's")
    .action(async (flags: { port?: number; db?: string; static?: string; skipSchemaCheck?: boolean }) => {
      const config = await resolveConfig(process.cwd(), { port: flags.port, db: flags.db });
      if (flags.skipSchemaCheck === true) logger.warn("--skip-schema-check: serving without checking the database's schema");
      else await checkSchema(config);
      const running = await serve(config, { mode: "start", staticDir: flags.static });
      logger.success(`listening on ${logger.bold(running.url)}`);
      closeOnSignals(() => running.close());
    });
}

import type { Command } from "commander";
import { resolveConfig } from "../lib/config.js";
import { logger } from "../lib/logger.js";
import { closeOnSignals, serve } from "../lib/serve.js";
import { parsePort } from "../lib/parse-port.js";

/** `convoy start`: the production server. No watching, no schema changes. */
export function addStartCommand(program: Command): void {
  program
    .command("start")
    .description("production server: no watching, no schema changes, no stack traces in errors")
    .option("--port <port>", "HTTP port (default 3700)", parsePort)
    .option("--db <url>", "Postgres URL (default: DATABASE_URL, else the embedded PGlite in .convoy/)")
    .option("--static <dir>", "also serve a built web app from this directory at /")
    .option("--metrics", "serve GET /api/metrics (Prometheus text)")
    .option("--skip-schema-check", "serve even when the database's schema hash differs from the code's")
    .action(async (flags: { port?: number; db?: string; static?: string; skipSchemaCheck?: boolean; metrics?: boolean }) => {
      const config = await resolveConfig(process.cwd(), { port: flags.port, db: flags.db, metrics: flags.metrics });
      const checkSchema = flags.skipSchemaCheck !== true;
      if (!checkSchema) logger.warn("--skip-schema-check: serving without checking the database's schema");
      // refuses to serve when the database's schema hash is not the code's (SPEC §7)
      const running = await serve(config, { mode: "start", staticDir: flags.static, checkSchema });
      logger.success(`listening on ${logger.bold(running.url)}`);
      closeOnSignals(() => running.close());
    });
}

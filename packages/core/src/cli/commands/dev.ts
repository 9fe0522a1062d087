import { Option, type Command } from "commander";
import { AppLoadError } from "../lib/bundle-app.js";
import { resolveConfig } from "../lib/config.js";
import { logger } from "../lib/logger.js";
import { closeOnSignals, serve } from "../lib/serve.js";
import { watchFunctions } from "../lib/watch-functions.js";
import { parsePort } from "../lib/parse-port.js";
import { startAdminServer } from "../lib/admin-server.js";
import { advertiseDevServer } from "../lib/embedded-lock.js";
import { embeddedLockFile } from "../lib/open-database.js";
import { startTypecheck, TYPECHECK_MODES, typescriptFor, type TypecheckMode } from "../lib/typecheck.js";

/** `convoy dev`: watch, codegen, apply safe schema changes, hot-swap functions, serve. */
export function addDevCommand(program: Command): void {
  program
    .command("dev")
    .description("serve the app, and on every save: bundle, regenerate _generated/, apply additive schema changes, hot-swap functions")
    .option("--port <port>", "HTTP port (default 3700)", parsePort)
    .option("--db <url>", "Postgres URL (default: DATABASE_URL, else the embedded PGlite in .convoy/)")
    .option("--static <dir>", "also serve a built web app from this directory at /")
    .addOption(
      new Option("--typecheck <mode>", "type-check the functions dir on every change (enable: require TypeScript, try: skip when it is not installed)")
        .choices(TYPECHECK_MODES)
        .default("try"),
    )
    .action(async (flags: { port?: number; db?: string; static?: string; typecheck: TypecheckMode }) => {
      const config = await resolveConfig(process.cwd(), { port: flags.port, db: flags.db });
      const typescript = typescriptFor(config, flags.typecheck);
      const running = await serve(config, { mode: "dev", staticDir: flags.static });
      // `convoy run` in another terminal cannot open the locked embedded database: it calls this process instead
      const admin = config.databaseUrl === undefined ? await startAdminServer(running.host) : undefined;
      if (admin !== undefined) advertiseDevServer(embeddedLockFile(config), admin.address);
      const stopWatching = await watchFunctions(config.functionsDir, () => {
        const started = performance.now();
        running.host.reload().then(
          () => logger.success(`reloaded in ${(performance.now() - started).toFixed(0)} ms`),
          (error: unknown) => {
            const detail = error instanceof AppLoadError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
            logger.error(`${detail}\n${logger.dim("still serving the last good version; fix the file and save again")}`);
          },
        );
      });
      // watching before "ready": a save right after it is not missed
      logger.success(`ready: ${logger.bold(running.url)}`);
      logger.info(`dashboard: ${running.dashboardUrl ?? ""}`);
      // a separate process, started once serving: type errors arrive later, the hot swap never waits for them
      const typechecker = await startTypecheck(config, typescript);
      closeOnSignals(async () => {
        await stopWatching();
        typechecker?.stop();
        await admin?.close();
        await running.close();
      });
    });
}

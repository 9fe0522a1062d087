import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { CallLog, createDashboardRoutes, DASHBOARD_PATH } from "../../dashboard/index.js";
import { createServer } from "../../http/index.js";
import { ConvoyMetrics } from "../../metrics/index.js";
import { outcomeSerializer, RealtimeEngine } from "../../realtime/index.js";
import { createServerFanout } from "../../realtime/pubsub/index.js";
import { describeApplied, schemaMismatch, type SyncResult } from "../../schema-sync/index.js";
import type { CallEvent } from "../../runtime/index.js";
import { AppHost } from "./app-host.js";
import { createHttpActionRoutes } from "../../http-actions/http-action-routes.js";
import { SchedulerRunner } from "../../scheduler/scheduler-runner.js";
import type { LoadedApp } from "./bundle-app.js";
import type { ResolvedConfig } from "./config.js";
import { logger } from "./logger.js";
import { describeDatabase, openDatabase } from "./open-database.js";

/** What `convoy dev` and `convoy start` run. */
export interface ServeOptions {
  mode: "dev" | "start";
  staticDir?: string | undefined;
  /** Refuse to serve when the database's recorded schema hash is not the code's (`convoy start`). */
  checkSchema?: boolean;
}

/** A running server: its URL, the app host (for reloads) and how to stop it. */
export interface RunningServer {
  url: string;
  /** The dev dashboard (`convoy dev` only). */
  dashboardUrl?: string;
  host: AppHost;
  server: Server;
  close(): Promise<void>;
}

function logCall(event: CallEvent): void {
  const outcome = event.ok ? logger.color("green", "ok") : logger.color("red", event.errorCode ?? "error");
  const retries = event.attempts > 1 ? logger.dim(` (${event.attempts} attempts)`) : "";
  logger.info(`${logger.dim(new Date().toISOString().slice(11, 23))} ${event.kind.padEnd(8)} ${event.name} ${event.durationMs.toFixed(1)} ms ${outcome}${retries}`);
}

/**
 * Opens the database, loads the app and serves it over HTTP. In dev, schema changes are
 * applied as `convoy sync` applies them (and printed) and any origin may call the API; in start, nothing in the database
 * changes and CORS allows only the configured origins.
 */
export async function serve(config: ResolvedConfig, options: ServeOptions): Promise<RunningServer> {
  // start: a commit is acknowledged once on disk; dev trades that for speed (docs/drivers.md)
  const driver = await openDatabase(config, options.mode === "start" ? "fsync" : "relaxed");
  const verify = async (app: LoadedApp) => {
    const mismatch = await schemaMismatch(driver, app.schema, config.pgSchema);
    if (mismatch !== null) throw new Error(mismatch);
  };
  const dev = options.mode === "dev";
  // dev logs every call (and keeps the last ones for the dashboard); start logs only failed ones
  const calls = new CallLog();
  const metrics = dev || config.metrics ? new ConvoyMetrics() : undefined;
  metrics?.watchDriver(driver);
  const log = dev
    ? (event: CallEvent) => {
        logCall(event);
        calls.add(event);
      }
    : (event: CallEvent) => event.ok || logCall(event);
  const onCall = (event: CallEvent) => {
    metrics?.recordCall(event);
    log(event);
  };
  // Live queries: the engine follows the current runtime (dev swaps it on schema changes).
  const engine = new RealtimeEngine({ runtime: () => host.current(), serialize: outcomeSerializer({ dev }) });
  metrics?.watchRealtime(engine);
  // Commits reach the other servers (and their writes this one) through the configured bus;
  // the runtime marks its transactions with the server id so the external-write triggers skip them.
  const serverId = randomBytes(6).toString("hex");
  const fanout = await createServerFanout({ engine, driver, databaseUrl: config.databaseUrl, pgSchema: config.pgSchema, pubsub: config.realtime.pubsub, serverId }).catch(async (error: unknown) => {
    engine.close();
    await driver.close();
    throw error;
  });
  const onSchemaApplied = (result: SyncResult) => {
    for (const line of describeApplied(result)) logger.success(`schema: ${line}`);
  };
  const onSchemaProgress = (message: string) => logger.info(logger.dim(`schema: … ${message}`));
  // Scheduled functions and cron ticks: every server runs a runner; Postgres hands each job to one.
  const scheduler = new SchedulerRunner({ runtime: () => host.current(), onError: (error) => logger.error(`scheduler: ${error instanceof Error ? error.message : String(error)}`) });
  const syncCrons = () => {
    scheduler.setCrons(host.currentApp()?.crons).catch((error: unknown) => logger.error(`crons: ${error instanceof Error ? error.message : String(error)}`));
  };
  let loaded = false;
  const host = new AppHost(config, driver, {
    mode: options.mode,
    onCall,
    onCommit: ({ writes }) => fanout.publish(writes),
    origin: serverId,
    onReloaded: () => {
      for (const skipped of host.currentApp()?.skipped ?? []) logger.warn(`not served: ${skipped.file} (${skipped.reason}); the rest of the app is`);
      engine.rerunAll();
      if (loaded) syncCrons();
    },
    ...(dev ? { onSchemaApplied, onSchemaProgress } : {}),
    ...(options.checkSchema === true ? { verify } : {}),
  });
  try {
    await host.reload();
    await scheduler.setCrons(host.currentApp()?.crons);
    loaded = true;
  } catch (error) {
    await fanout.close();
    await driver.close();
    throw error;
  }
  const server = createServer({
    runtime: host,
    dev: options.mode === "dev",
    cors: { origins: options.mode === "dev" ? "*" : config.corsOrigins },
    accessHeaders: options.mode === "dev" || config.accessHeaders,
    limits: config.limits,
    verifyToken: host.verifyToken,
    connections: config.connections,
    realtime: { engine, runtime: () => host.current() },
    httpActions: createHttpActionRoutes({ router: () => host.currentApp()?.http, runtime: () => host.current() }),
    ...(metrics === undefined ? {} : { metrics }),
    ...(options.staticDir === undefined ? {} : { staticDir: resolve(config.projectDir, options.staticDir) }),
    // the dashboard is at /_dashboard/, and at / unless a web app is served there
    ...(dev ? { extraRoutes: createDashboardRoutes({ runtime: () => host.current(), calls, atRoot: options.staticDir === undefined }) } : {}),
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "EADDRINUSE" ? new Error(`port ${config.port} is already in use; pick another with --port`) : error);
    });
    server.listen(config.port, resolveListen);
  }).catch(async (error: unknown) => {
    await fanout.close();
    await driver.close();
    throw error;
  });
  scheduler.start();
  const port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  logger.info(`${logger.bold("Convoy")} ${options.mode === "dev" ? "dev server" : "server"} on ${describeDatabase(config)}`);
  const providers = host.authProviders();
  logger.info(providers.length === 0 ? logger.dim("auth: no providers (every call is anonymous; a token is refused)") : `auth: ${providers.join(", ")}`);
  let closing: Promise<void> | undefined;
  return {
    url,
    ...(dev ? { dashboardUrl: `${url}${DASHBOARD_PATH}` } : {}),
    host,
    server,
    close() {
      closing ??= (async () => {
        await new Promise<void>((done) => {
          server.close(() => done());
          server.closeIdleConnections();
        });
        engine.close();
        await fanout.close();
        await scheduler.stop();
        await driver.close();
      })();
      return closing;
    },
  };
}

/** Closes `running` on SIGINT/SIGTERM, then exits. */
export function closeOnSignals(close: () => Promise<void>): void {
  const stop = (signal: string) => {
    logger.info(logger.dim(`\n${signal}: shutting down`));
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(String(error));
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createDriver, isConnectionError, type Driver, type Durability } from "../../driver/index.js";
import type { ResolvedConfig } from "./config.js";
import { lockEmbeddedDatabase } from "./embedded-lock.js";

/** A description of where the data lives, for logs (never prints a password). */
export function describeDatabase(config: ResolvedConfig): string {
  if (config.databaseUrl === undefined) return `embedded PGlite in ${join(config.stateDir, "data")}`;
  const url = new URL(config.databaseUrl);
  url.password = url.password === "" ? "" : "***";
  return `Postgres at ${url.host}${url.pathname}`;
}

/** The lock file of the embedded database (see `embedded-lock.ts`). */
export function embeddedLockFile(config: ResolvedConfig): string {
  return join(config.stateDir, "data.lock");
}

/**
 * The configured database: `--db`/`DATABASE_URL`/config, else PGlite persisted under
 * `.convoy/data`, locked to this process until the driver is closed. `durability` applies to
 * the embedded database only (default `"fsync"`; `convoy dev` relaxes it).
 */
export async function openDatabase(config: ResolvedConfig, durability: Durability = "fsync"): Promise<Driver> {
  if (config.databaseUrl !== undefined) {
    const driver = await createDriver({ databaseUrl: config.databaseUrl });
    try {
      await driver.query("select 1");
    } catch (error) {
      await driver.close().catch(() => undefined);
      throw explainConnectFailure(config.databaseUrl, error);
    }
    return driver;
  }
  await mkdir(config.stateDir, { recursive: true });
  const dataDir = join(config.stateDir, "data");
  const unlock = lockEmbeddedDatabase(embeddedLockFile(config), dataDir);
  try {
    const driver = await createDriver({ dataDir, durability });
    return {
      ...driver,
      kind: driver.kind,
      query: driver.query.bind(driver),
      transaction: driver.transaction.bind(driver),
      listen: driver.listen.bind(driver),
      notify: driver.notify.bind(driver),
      ...(driver.health === undefined ? {} : { health: driver.health.bind(driver) }),
      async close() {
        try {
          await driver.close();
        } finally {
          unlock();
        }
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}

/** A startup error that says what is wrong with the database URL and how to fix it. */
function explainConnectFailure(databaseUrl: string, error: unknown): Error {
  const url = new URL(databaseUrl);
  const host = url.hostname === "" ? "localhost" : url.hostname;
  const port = url.port === "" ? "5432" : url.port;
  const name = decodeURIComponent(url.pathname.slice(1));
  const sqlState = (error as { sqlState?: unknown }).sqlState ?? (error as { code?: unknown }).code;
  if (sqlState === "3D000") {
    const user = url.username === "" ? "" : ` -U ${decodeURIComponent(url.username)}`;
    return new Error(`database "${name}" does not exist on the Postgres server at ${host}:${port}; create it with: createdb -h ${host} -p ${port}${user} ${name}`);
  }
  if (sqlState === "28P01" || sqlState === "28000") return new Error(`Postgres at ${host}:${port} refused the credentials in the database URL: ${error instanceof Error ? error.message : String(error)}`);
  if (isConnectionError(error)) return new Error(`cannot reach Postgres at ${host}:${port} (${error instanceof Error ? error.message : String(error)}); is the server running?`);
  return error instanceof Error ? error : new Error(String(error));
}

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createDriver, type Driver, type Durability } from "../../driver/index.js";
import type { ResolvedConfig } from "./config.js";
import { lockEmbeddedDatabase } from "./embedded-lock.js";

/** A description of where the data lives, for logs (never prints a password). */
export function describeDatabase(config: ResolvedConfig): string {
  if (config.databaseUrl === undefined) return `embedded PGlite in ${join(config.stateDir, "data")}`;
  const url = new URL(config.databaseUrl);
  url.password = url.password === "" ? "" : "***";
  return `Postgres at ${url.host}${url.pathname}`;
}

/**
 * The configured database: `--db`/`DATABASE_URL`/config, else PGlite persisted under
 * `.convoy/data`, locked to this process until the driver is closed. `durability` applies to
 * the embedded database only (default `"fsync"`; `convoy dev` relaxes it).
 */
export async function openDatabase(config: ResolvedConfig, durability: Durability = "fsync"): Promise<Driver> {
  if (config.databaseUrl !== undefined) return createDriver({ databaseUrl: config.databaseUrl });
  await mkdir(config.stateDir, { recursive: true });
  const dataDir = join(config.stateDir, "data");
  const unlock = lockEmbeddedDatabase(join(config.stateDir, "data.lock"), dataDir);
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

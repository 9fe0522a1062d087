import type { Driver } from "./driver.js";
import type { Durability } from "./pglite/pglite-driver.js";

/** Options of {@link createDriver}. */
export interface CreateDriverOptions {
  /** A `postgres://` URL: use the real server through a `pg` pool. */
  databaseUrl?: string;
  /** Without `databaseUrl`: PGlite's data directory (omitted = in memory). */
  dataDir?: string;
  /**
   * With `dataDir`: `"fsync"` (default) acknowledges a commit only once it is on disk;
   * `"relaxed"` skips the syncs (a process kill loses nothing, an OS crash may). See docs/drivers.md.
   */
  durability?: Durability;
  /** Pool size for the pg driver (default 10). */
  max?: number;
  /** `statement_timeout` of every pooled connection (pg), in ms (default 30 000; `0` = none). */
  statementTimeoutMs?: number;
}

/** The `statement_timeout` {@link createDriver} gives a pg pool unless told otherwise. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

/**
 * The driver for a deployment: `pg` when a database URL is given, else embedded PGlite.
 * Each implementation is loaded on demand, so using one never loads the other's library.
 *
 * @example
 * const driver = await createDriver({ databaseUrl: process.env.DATABASE_URL, dataDir: ".convoy/db" });
 */
export async function createDriver(options: CreateDriverOptions = {}): Promise<Driver> {
  if (options.databaseUrl !== undefined && options.databaseUrl !== "") {
    const { createPgDriver } = await import("./pg/pg-driver.js");
    return createPgDriver({
      connectionString: options.databaseUrl,
      statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      ...(options.max === undefined ? {} : { max: options.max }),
    });
  }
  const { createPgliteDriver } = await import("./pglite/pglite-driver.js");
  return createPgliteDriver({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.durability === undefined ? {} : { durability: options.durability }),
  });
}

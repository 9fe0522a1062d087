/**
 * The database driver: one small interface (`query`, `transaction`, `listen`, `notify`,
 * `close`) over `pg` (a real server) or PGlite (embedded). Nothing outside this folder imports
 * either library.
 *
 * @example
 * import { createDriver } from "../driver/index.js";
 * const driver = await createDriver({ databaseUrl: process.env.DATABASE_URL });
 * const total = await driver.transaction({ isolation: "serializable" }, async (tx) => {
 *   const { rows } = await tx.query<{ n: string }>("SELECT count(*) AS n FROM messages");
 *   return rows[0]?.n;
 * });
 * await driver.close();
 */
import type { Driver } from "./driver.js";
import type { PgDriverOptions } from "./pg/pg-driver.js";
import type { Durability, PgliteDriverOptions } from "./pglite/pglite-driver.js";

export type {
  Driver,
  IsolationLevel,
  NotificationHandler,
  QueryResult,
  Queryable,
  Row,
  StatementOptions,
  TransactionOptions,
} from "./driver.js";
export { createDriver, type CreateDriverOptions } from "./create-driver.js";
export { isConnectionError, normalizeDriverError } from "./errors.js";
export type { Durability, PgDriverOptions, PgliteDriverOptions };

/**
 * A driver over a `pg` Pool. Loads `pg` on first call (so importing this module never loads
 * PGlite or pg); the implementation is `createPgDriver` in `pg/pg-driver.ts`.
 *
 * @example
 * const driver = await createPgDriver({ connectionString: "postgres://postgres@127.0.0.1/app", max: 20 });
 */
export async function createPgDriver(options: PgDriverOptions): Promise<Driver> {
  const module = await import("./pg/pg-driver.js");
  return module.createPgDriver(options);
}

/**
 * A driver over embedded PGlite (in memory without `dataDir`). Loads PGlite on first call.
 *
 * @example
 * const driver = await createPgliteDriver({ dataDir: ".convoy/db" });
 */
export async function createPgliteDriver(options: PgliteDriverOptions = {}): Promise<Driver> {
  const module = await import("./pglite/pglite-driver.js");
  return module.createPgliteDriver(options);
}

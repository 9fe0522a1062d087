import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { createPgDriver, createPgliteDriver, type Driver } from "../../src/driver/index.js";

/** A fresh, empty database for one test file. */
export interface TestDatabase {
  driver: Driver;
  kind: "pglite" | "pg";
  /** The URL of the database (pg only), e.g. for a second driver or a CLI under test. */
  databaseUrl?: string;
  /** Close the driver and, on a real server, drop the database. */
  close(): Promise<void>;
}

export interface TestDatabaseOptions {
  /**
   * Create the database with this ICU collation (e.g. `"en-US"`), to prove code does not
   * depend on the database collation. Real server only; ignored on PGlite.
   */
  icuLocale?: string;
}

/** The URL of each test database's driver (Postgres only), for {@link ensureStorageFor}. */
const urlsByDriver = new WeakMap<Driver, string>();

/**
 * `createRuntime`'s `ensureStorage` for a test database's driver: applying the schema on a
 * real server needs the database's URL (the sync opens its own connection, as `convoy sync` does).
 */
export function ensureStorageFor(driver: Driver): { databaseUrl?: string } {
  const databaseUrl = urlsByDriver.get(driver);
  return databaseUrl === undefined ? {} : { databaseUrl };
}

const DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** Which driver the database suites run on: env `CONVOY_TEST_DRIVER` = `pglite` (default) or `postgres`. */
export function testDriverKind(): "pglite" | "pg" {
  const requested = process.env.CONVOY_TEST_DRIVER ?? "pglite";
  if (requested === "pglite") return "pglite";
  if (requested === "postgres" || requested === "pg") return "pg";
  throw new Error(`CONVOY_TEST_DRIVER must be "pglite" or "postgres", got ${JSON.stringify(requested)}`);
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * A fresh database: in-memory PGlite, or (with `CONVOY_TEST_DRIVER=postgres`) a uniquely named
 * database created on the server at `DATABASE_URL_TEST` (default
 * `postgres://postgres@127.0.0.1:5432/postgres`) and dropped by `close()`.
 *
 * @example
 * const db = await createTestDatabase({ icuLocale: "en-US" });
 * await db.driver.query("SELECT 1");
 * await db.close();
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  if (testDriverKind() === "pglite") {
    // tests catch a driver call from inside its own transaction (Convoy's code must use `tx`)
    const driver = await createPgliteDriver({ detectReentry: true });
    return { driver, kind: "pglite", close: () => driver.close() };
  }

  const adminUrl = process.env.DATABASE_URL_TEST ?? DEFAULT_ADMIN_URL;
  const name = `convoy_t_${Date.now()}_${randomBytes(4).toString("hex")}`;
  const locale =
    options.icuLocale === undefined
      ? ""
      : ` TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE ${quoteLiteral(options.icuLocale)} LOCALE 'C.UTF-8'`;
  const admin = await createPgDriver({ connectionString: adminUrl, max: 1 });
  try {
    await admin.query(`CREATE DATABASE "${name}"${locale}`);
  } finally {
    await admin.close();
  }

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const driver = await createPgDriver({ connectionString: databaseUrl, max: 5 });
  urlsByDriver.set(driver, databaseUrl);
  let closing: Promise<void> | undefined;
  return {
    driver,
    kind: "pg",
    databaseUrl,
    close() {
      closing ??= (async () => {
        await driver.close();
        const dropper = await createPgDriver({ connectionString: adminUrl, max: 1 });
        try {
          await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await dropper.close();
        }
      })();
      return closing;
    },
  };
}

/**
 * Register `beforeAll`/`afterAll` hooks that create and drop a test database for the current
 * file (or `describe` block), and return a getter for it.
 *
 * @example
 * const db = useTestDatabase();
 * it("counts", async () => {
 *   const { rows } = await db().driver.query("SELECT 1 AS one");
 *   expect(rows).toEqual([{ one: 1 }]);
 * });
 */
export function useTestDatabase(options: TestDatabaseOptions = {}): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(options);
  });
  afterAll(async () => {
    await database?.close();
    database = undefined;
  });
  return () => {
    if (database === undefined) throw new Error("useTestDatabase(): the database exists only inside tests (after beforeAll)");
    return database;
  };
}

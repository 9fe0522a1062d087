import { beforeAll } from "vitest";
import type { Queryable } from "../../src/driver/index.js";
import { createDatabase, type DatabaseImpl } from "../../src/db/index.js";
import type { SchemaDefinition } from "../../src/schema/schema-definition.js";
import { AccessLog } from "../../src/storage/access-log.js";
import { createCatalog, type Catalog } from "../../src/storage/catalog.js";
import { ensureSchema } from "../../src/schema-sync/ensure-schema.js";
import { loadCursorSecret } from "../../src/storage/storage-check.js";
import { useTestDatabase, type TestDatabase } from "../helpers/test-database.js";

/** One test file's database with a schema applied, and a way to run ctx.db calls in a transaction. */
export interface DbHarness {
  database: () => TestDatabase;
  catalog: () => Catalog;
  /** Runs `fn` with a fresh ctx.db in one serializable transaction (writable unless told otherwise). */
  run<T>(fn: (db: DatabaseImpl, log: AccessLog, tx: Queryable) => Promise<T>, options?: { writable?: boolean; tx?: (tx: Queryable) => Queryable }): Promise<T>;
}

/**
 * Sets up a fresh database for the current test file: the schema applied through `convoy sync`'s code path (tables,
 * indexes and Convoy's SQL helpers), the cursor secret.
 */
export function useDbHarness(schema: SchemaDefinition): DbHarness {
  const database = useTestDatabase();
  let catalog: Catalog | undefined;
  let cursorSecret = "";
  beforeAll(async () => {
    const { driver } = database();
    await ensureSchema({ driver, databaseUrl: database().databaseUrl }, schema);
    cursorSecret = await loadCursorSecret(driver);
    catalog = createCatalog(schema);
  });
  return {
    database,
    catalog: () => catalog!,
    run(fn, options = {}) {
      const writable = options.writable ?? true;
      return database().driver.transaction({ isolation: "serializable", readOnly: !writable }, (raw) => {
        const tx = options.tx === undefined ? raw : options.tx(raw);
        const log = new AccessLog();
        return fn(createDatabase({ tx, catalog: catalog!, log, writable, cursorSecret }), log, tx);
      });
    },
  };
}

/** A Queryable that records every statement it runs. */
export function recordingQueryable(inner: Queryable, statements: { sql: string; params: readonly unknown[] }[]): Queryable {
  return {
    query(sql, params) {
      statements.push({ sql, params: params ?? [] });
      return inner.query(sql, params);
    },
  };
}

import type { Driver } from "../../src/driver/index.js";
import { newCreationTime, newId } from "../../src/storage/ids.js";
import { toStored } from "../../src/storage/stored-value.js";
import type { Value } from "../../src/values/value.js";
import { openSyncDriver } from "../../src/schema-sync/index.js";
import type { TestDatabase } from "../helpers/test-database.js";

/** A driver fit for `syncSchema`: a one-connection session on a real server, the database's own PGlite. */
export async function syncDriver(db: TestDatabase): Promise<{ driver: Driver; close(): Promise<void> }> {
  if (db.kind === "pglite") return { driver: db.driver, close: () => Promise.resolve() };
  const driver = await openSyncDriver(db.databaseUrl);
  return { driver, close: () => driver.close() };
}

/**
 * Everything a sync could change, as rows: relations, columns, index definitions and validity,
 * comments, functions, and the contents of Convoy's bookkeeping.
 */
export async function catalogSnapshot(driver: Driver): Promise<unknown> {
  const q = async (sql: string) => (await driver.query(sql)).rows;
  const bookkeeping = async (table: string, order: string) => {
    const exists = await driver.query<{ ok: boolean }>(`SELECT to_regclass('convoy.${table}') IS NOT NULL AS ok`);
    return exists.rows[0]!.ok ? q(`SELECT * FROM convoy.${table} ORDER BY ${order}`) : null;
  };
  return {
    relations: await q(`SELECT n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class') AS comment FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname IN ('public', 'convoy') ORDER BY 1, 2`),
    columns: await q(`SELECT table_schema, table_name, column_name, data_type, collation_name FROM information_schema.columns WHERE table_schema IN ('public', 'convoy') ORDER BY 1, 2, ordinal_position`),
    indexes: await q(`SELECT i.relname, pg_get_indexdef(i.oid) AS def, x.indisvalid FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
                      WHERE n.nspname IN ('public', 'convoy') ORDER BY 1`),
    functions: await q(`SELECT p.proname, md5(p.prosrc) AS src FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'convoy' ORDER BY 1`),
    schemas: await q(`SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' ORDER BY 1`),
    meta: await bookkeeping("meta", "key"),
    tables: await bookkeeping("tables", "table_name"),
    log: await bookkeeping("sync_log", "id"),
  };
}

/** Inserts documents with plain SQL (as Convoy stores them); returns their ids. */
export async function insertDocuments(driver: Driver, table: string, documents: Record<string, Value>[]): Promise<string[]> {
  const ids: string[] = [];
  for (const document of documents) {
    const id = newId(table);
    await driver.query(`INSERT INTO "${table}" (_id, _creation_time, data) VALUES ($1, $2, $3::jsonb)`, [id, newCreationTime(), toStored(document)]);
    ids.push(id);
  }
  return ids;
}

import { createDriver, type Driver, type Queryable } from "../driver/index.js";
import { META_TABLE, SCHEMA_HASH_KEY } from "../storage/layout.js";

/**
 * The driver `syncSchema` needs: on a real server ONE dedicated connection that is never closed
 * for idleness (it holds the advisory lock and the session's `lock_timeout`); PGlite otherwise.
 */
export async function openSyncDriver(databaseUrl: string | undefined, dataDir?: string): Promise<Driver> {
  if (databaseUrl !== undefined && databaseUrl !== "") {
    const { createPgDriver } = await import("../driver/pg/pg-driver.js");
    return createPgDriver({ connectionString: databaseUrl, max: 1, idleTimeoutMillis: 0 });
  }
  return createDriver(dataDir === undefined ? {} : { dataDir });
}

/** The schema hash recorded in the database by the last sync (or `convoy dev`); `null` if none. */
export async function readSchemaHash(q: Queryable): Promise<string | null> {
  const exists = await q.query<{ ok: boolean }>("SELECT to_regclass($1) IS NOT NULL AS ok", [META_TABLE.replaceAll('"', "")]);
  if (exists.rows[0]?.ok !== true) return null;
  const { rows } = await q.query<{ value: string }>(`SELECT value FROM ${META_TABLE} WHERE key = $1`, [SCHEMA_HASH_KEY]);
  return rows[0]?.value ?? null;
}

/**
 * `convoy start`'s guard: the message to refuse with when the database was not synced to the
 * code's schema (`null` when it was).
 */
export async function schemaMismatch(q: Queryable, codeHash: string): Promise<string | null> {
  const databaseHash = await readSchemaHash(q);
  if (databaseHash === codeHash) return null;
  const found = databaseHash === null ? "has no recorded schema (never synced)" : `is at schema ${databaseHash.slice(0, 12)}`;
  return `the database ${found} but the code's schema is ${codeHash.slice(0, 12)}: run \`convoy sync\` first (or pass --skip-schema-check to serve anyway)`;
}

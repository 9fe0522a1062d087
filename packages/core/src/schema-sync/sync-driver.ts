import { createDriver, type Driver, type Queryable } from "../driver/index.js";
import type { SchemaJSON } from "../schema/schema-json.js";
import { DEFAULT_PG_SCHEMA, META_TABLE, SCHEMA_HASH_KEY } from "../storage/layout.js";
import { loadEffectiveSchema } from "./effective-schema.js";

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
 * code's schema (`null` when it was). Given the schema (not only its hash), the code's
 * effective schema against the database's promotions also matches: code declaring a
 * promotion starts before `convoy promote` switches it.
 */
export async function schemaMismatch(q: Queryable, code: string | { json: SchemaJSON; hash: string }, pgSchema: string = DEFAULT_PG_SCHEMA): Promise<string | null> {
  const databaseHash = await readSchemaHash(q);
  if (typeof code !== "string" && databaseHash !== null && databaseHash !== code.hash) {
    // promotions declared in the code but not switched yet are not in the database's schema (design §8)
    const effective = await loadEffectiveSchema(q, code, pgSchema);
    if (effective.hash === databaseHash) return null;
  }
  const codeHash = typeof code === "string" ? code : code.hash;
  if (databaseHash === codeHash) return null;
  const found = databaseHash === null ? "has no recorded schema (never synced)" : `is at schema ${databaseHash.slice(0, 12)}`;
  return `the database ${found} but the code's schema is ${codeHash.slice(0, 12)}: run \`convoy sync\` first (or pass --skip-schema-check to serve anyway)`;
}

import type { Driver } from "../driver/index.js";
import { FrameworkError } from "../errors/framework-error.js";
import { syncSchema, type SyncOptions, type SyncResult, type SyncTarget } from "./run-sync.js";
import { openSyncDriver } from "./sync-driver.js";

/** Where {@link ensureSchema} applies a schema. */
export interface EnsureDatabase {
  /** The app's driver (used as is on PGlite). */
  driver: Driver;
  /**
   * The database's URL (Postgres only): the sync runs on its own one-connection session, as
   * `convoy sync` does, since the advisory lock and `CONCURRENTLY` builds need one session.
   */
  databaseUrl?: string | undefined;
}

/** Options of {@link ensureSchema}. */
export type EnsureOptions = Pick<SyncOptions, "pgSchema" | "onProgress" | "lockTimeoutMs" | "retries" | "batchSize" | "source">;

/**
 * The opt-in "ensure" of `convoy dev` and `convoyTest`: applies the code's schema with exactly
 * `convoy sync`'s code path (`syncSchema` in `apply` mode: the polled advisory lock, concurrent
 * index builds on a real server, data checks, never dropping). Returns the result; a refusal
 * (existing documents fail a changed validator) is thrown as a `SCHEMA_VALIDATION`
 * `FrameworkError` naming the table, the count and one offending id; a failed step is thrown.
 *
 * @example
 * const result = await ensureSchema({ driver }, schema, { pgSchema: "public" });
 * for (const line of describeApplied(result)) console.log(line); // "created table messages", …
 */
export async function ensureSchema(database: EnsureDatabase, target: SyncTarget, options: EnsureOptions = {}): Promise<SyncResult> {
  const result = await withSyncDriver(database, (driver) => syncSchema(driver, target, { source: "dev", ...options, mode: "apply" }));
  if (result.outcome === "refused") throw new FrameworkError("SCHEMA_VALIDATION", describeRefusal(result), { data: { checks: result.checks } });
  if (result.outcome === "failed") throw result.error ?? new FrameworkError("INTERNAL", "could not apply the schema");
  return result;
}

async function withSyncDriver<T>(database: EnsureDatabase, fn: (driver: Driver) => Promise<T>): Promise<T> {
  if (database.driver.kind === "pglite") return fn(database.driver);
  if (database.databaseUrl === undefined || database.databaseUrl === "") {
    throw new FrameworkError("INTERNAL", "applying the schema on Postgres needs the database URL (the sync runs on its own connection); pass databaseUrl, or run `convoy sync`");
  }
  const driver = await openSyncDriver(database.databaseUrl);
  try {
    return await fn(driver);
  } finally {
    await driver.close();
  }
}

/**
 * Why a schema change was refused, as Convex words it: per table, how many existing documents
 * do not match the new schema and one of them (its id and the first problem).
 */
export function describeRefusal(result: SyncResult): string {
  const failing = result.checks.filter((check) => check.failing > 0);
  const tables = failing.map((check) => {
    const example = check.examples[0];
    const count = `${String(check.failing)} document${check.failing === 1 ? "" : "s"} of table "${check.table}" (of ${String(check.checked)}) do${check.failing === 1 ? "es" : ""} not match the schema`;
    return example === undefined ? count : `${count}, e.g. document ${example.id}: ${example.message}`;
  });
  return `schema change refused, nothing was changed: ${tables.join("; ")}. Fix the documents (or the schema) and save again`;
}

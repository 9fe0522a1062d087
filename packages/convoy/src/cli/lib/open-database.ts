import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createDriver, type Driver } from "../../driver/index.js";
import type { ResolvedConfig } from "./config.js";

/** A description of where the data lives, for logs (never prints a password). */
export function describeDatabase(config: ResolvedConfig): string {
  if (config.databaseUrl === undefined) return `embedded PGlite in ${join(config.stateDir, "data")}`;
  const url = new URL(config.databaseUrl);
  url.password = url.password === "" ? "" : "***";
  return `Postgres at ${url.host}${url.pathname}`;
}

/** The configured database: `--db`/`DATABASE_URL`/config, else PGlite persisted under `.convoy/data`. */
export async function openDatabase(config: ResolvedConfig): Promise<Driver> {
  if (config.databaseUrl !== undefined) return createDriver({ databaseUrl: config.databaseUrl });
  await mkdir(config.stateDir, { recursive: true });
  return createDriver({ dataDir: join(config.stateDir, "data") });
}

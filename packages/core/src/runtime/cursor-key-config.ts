import type { Queryable } from "../driver/index.js";
import { createCursorKeys, type CursorKeys } from "../db/cursor.js";
import { loadCursorSecret } from "../storage/storage-check.js";

/** The environment variable holding the cursor signing secret(s): `current[,previous…]`. */
export const CURSOR_SECRET_ENV = "CONVOY_CURSOR_SECRET";

/** The secrets of `CONVOY_CURSOR_SECRET` (comma-separated, the first signs); `undefined` when unset or empty. */
export function cursorSecretsFromEnv(env: Readonly<Record<string, string | undefined>>): string[] | undefined {
  const secrets = (env[CURSOR_SECRET_ENV] ?? "")
    .split(",")
    .map((secret) => secret.trim())
    .filter((secret) => secret !== "");
  return secrets.length === 0 ? undefined : secrets;
}

/**
 * The keys that sign this runtime's pagination cursors: the configured secrets
 * (`RuntimeOptions.cursorKeys`), else those of `CONVOY_CURSOR_SECRET`, else the secret stored
 * in the database (`convoy.meta`, shared by every server on it).
 */
export async function resolveCursorKeys(q: Queryable, configured: readonly string[] | undefined, env: Readonly<Record<string, string | undefined>> = process.env): Promise<string | CursorKeys> {
  const secrets = configured ?? cursorSecretsFromEnv(env);
  return secrets === undefined ? loadCursorSecret(q) : createCursorKeys(secrets);
}

import type { Queryable } from "../driver/index.js";
import { qualified } from "../storage/sql/identifiers.js";
import { CONVOY_SCHEMA } from "../storage/sql/sort-key-function.js";

/** One apply of a schema plan (`convoy sync` or `convoy dev`), as the dashboard shows it. */
export interface SyncHistoryEntry {
  id: string;
  source: string;
  schemaHash: string;
  outcome: string;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  steps: { kind: string; description: string; sql: string[] }[];
}

interface PlanJson {
  steps?: { kind?: string; description?: string; statements?: { sql?: string }[] }[];
}

const LOG_TABLE = qualified(CONVOY_SCHEMA, "sync_log");
const META_TABLE = qualified(CONVOY_SCHEMA, "meta");

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

/** The last `limit` entries of Convoy's sync log, newest first (none before the first sync). */
export async function readSyncHistory(q: Queryable, limit: number): Promise<SyncHistoryEntry[]> {
  const exists = await q.query<{ ok: boolean }>("SELECT to_regclass($1) IS NOT NULL AS ok", [`${CONVOY_SCHEMA}.sync_log`]);
  if (exists.rows[0]?.ok !== true) return [];
  const { rows } = await q.query<{
    id: string | number;
    source: string;
    schema_hash: string;
    plan: PlanJson;
    outcome: string;
    started_at: Date | string;
    finished_at: Date | string | null;
    error: string | null;
  }>(`SELECT id, source, schema_hash, plan, outcome, started_at, finished_at, error FROM ${LOG_TABLE} ORDER BY id DESC LIMIT $1`, [limit]);
  return rows.map((row) => ({
    id: String(row.id),
    source: row.source,
    schemaHash: row.schema_hash,
    outcome: row.outcome,
    startedAt: iso(row.started_at) ?? "",
    finishedAt: iso(row.finished_at),
    error: row.error,
    steps: (row.plan.steps ?? []).map((step) => ({
      kind: step.kind ?? "",
      description: step.description ?? "",
      sql: (step.statements ?? []).map((statement) => statement.sql ?? ""),
    })),
  }));
}

/** The schema hash the database was last synced to (`null` before the first sync). */
export async function recordedSchemaHash(q: Queryable): Promise<string | null> {
  const exists = await q.query<{ ok: boolean }>("SELECT to_regclass($1) IS NOT NULL AS ok", [`${CONVOY_SCHEMA}.meta`]);
  if (exists.rows[0]?.ok !== true) return null;
  const { rows } = await q.query<{ value: string }>(`SELECT value FROM ${META_TABLE} WHERE key = $1`, ["schema_hash"]);
  return rows[0]?.value ?? null;
}

import { hostname } from "node:os";
import type { Queryable } from "../driver/index.js";
import { CONVOY_VERSION } from "../version.js";
import { SYNC_LOG_TABLE } from "../storage/layout.js";
import type { SyncPlan } from "./plan-types.js";

/** How an attempt to apply a plan ended. */
export type SyncLogOutcome = "running" | "applied" | "failed";

/** One entry of `convoy.sync_log`. */
export interface SyncLogEntry {
  id: string;
  /** `sync` (`convoy sync`) or `dev` (`convoy dev`'s automatic changes). */
  source: string;
  schemaHash: string;
  plan: SyncPlan;
  sql: string;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: SyncLogOutcome;
  error: string | null;
  convoyVersion: string;
  host: string;
}

/** Every statement of a plan as one SQL script (parameters shown as a comment). */
export function planSql(plan: SyncPlan): string {
  return plan.steps
    .flatMap((step) => step.statements.map((s) => `${s.sql};${s.params === undefined ? "" : ` -- params: ${JSON.stringify(s.params)}`}`))
    .join("\n");
}

/** Records the start of an apply; returns the entry's id. */
export async function startLogEntry(q: Queryable, source: string, plan: SyncPlan): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO ${SYNC_LOG_TABLE} (source, schema_hash, plan, sql, started_at, outcome, convoy_version, host)
     VALUES ($1, $2, $3::jsonb, $4, clock_timestamp(), 'running', $5, $6) RETURNING id`,
    [source, plan.schemaHash, plan, planSql(plan), CONVOY_VERSION, hostname()],
  );
  return rows[0]!.id;
}

/** Records how an apply ended. */
export async function finishLogEntry(q: Queryable, id: string, outcome: Exclude<SyncLogOutcome, "running">, error?: string): Promise<void> {
  await q.query(`UPDATE ${SYNC_LOG_TABLE} SET finished_at = clock_timestamp(), outcome = $2, error = $3 WHERE id = $1`, [id, outcome, error ?? null]);
}

/** Records an apply that failed and whose entry was rolled back with it (one-transaction mode). */
export async function insertFailedEntry(q: Queryable, source: string, plan: SyncPlan, startedAt: Date, error: string): Promise<void> {
  await q.query(
    `INSERT INTO ${SYNC_LOG_TABLE} (source, schema_hash, plan, sql, started_at, finished_at, outcome, error, convoy_version, host)
     VALUES ($1, $2, $3::jsonb, $4, $5, clock_timestamp(), 'failed', $6, $7, $8)`,
    [source, plan.schemaHash, plan, planSql(plan), startedAt.toISOString(), error, CONVOY_VERSION, hostname()],
  );
}

type LogRow = {
  id: string;
  source: string;
  schema_hash: string;
  plan: SyncPlan;
  sql: string;
  started_at: Date | string;
  finished_at: Date | string | null;
  outcome: SyncLogOutcome;
  error: string | null;
  convoy_version: string;
  host: string;
};

/** The last `limit` entries, newest first (empty when the log does not exist yet). */
export async function readSyncLog(q: Queryable, limit = 10): Promise<SyncLogEntry[]> {
  const exists = await q.query<{ ok: boolean }>("SELECT to_regclass($1) IS NOT NULL AS ok", [SYNC_LOG_TABLE.replaceAll('"', "")]);
  if (exists.rows[0]?.ok !== true) return [];
  const { rows } = await q.query<LogRow>(`SELECT * FROM ${SYNC_LOG_TABLE} ORDER BY id DESC LIMIT $1`, [limit]);
  return rows.map((row) => ({
    id: row.id,
    source: row.source,
    schemaHash: row.schema_hash,
    plan: row.plan,
    sql: row.sql,
    startedAt: new Date(row.started_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
    outcome: row.outcome,
    error: row.error,
    convoyVersion: row.convoy_version,
    host: row.host,
  }));
}

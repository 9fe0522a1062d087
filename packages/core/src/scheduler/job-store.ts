import type { Queryable } from "../driver/driver.js";
import type { ScheduledFunction, ScheduledFunctionId, ScheduledFunctionState } from "../functions/scheduler-types.js";
import { SCHEDULED_FUNCTIONS_TABLE } from "../storage/layout.js";
import { newId } from "../storage/ids.js";
import { decodeValue } from "../values/encoding.js";
import type { JSONValue } from "../values/value.js";

/** The system table's name as functions see it. */
export const SCHEDULED_FUNCTIONS = "_scheduled_functions";

/** States of a job (Convex's `state.kind`). */
export type JobState = ScheduledFunctionState["kind"];

/** A row of `convoy.scheduled_functions`. */
export type JobRow = {
  id: string;
  creation_time: number;
  name: string;
  kind: "mutation" | "action";
  /** The arguments in their wire encoding (SPEC §3). */
  args: JSONValue;
  scheduled_time: number;
  completed_time: number | null;
  state: JobState;
  error: string | null;
};

const COLUMNS = "id, creation_time, name, kind, args, scheduled_time, completed_time, state, error";

/** A new job to insert. */
export interface NewJob {
  name: string;
  kind: "mutation" | "action";
  /** Wire-encoded arguments. */
  args: JSONValue;
  scheduledTime: number;
  now: number;
}

/** Insert a pending job (in the caller's transaction, when there is one); returns its id. */
export async function insertJob(q: Queryable, job: NewJob): Promise<ScheduledFunctionId> {
  const id = newId(SCHEDULED_FUNCTIONS, job.now);
  await q.query(
    `INSERT INTO ${SCHEDULED_FUNCTIONS_TABLE} (id, creation_time, name, kind, args, scheduled_time, state) VALUES ($1, $2, $3, $4, $5::jsonb, $6, 'pending')`,
    [id, job.now, job.name, job.kind, JSON.stringify(job.args), job.scheduledTime],
  );
  return id as ScheduledFunctionId;
}

/** Mark a pending job canceled; a job that is running or finished is left as it is. */
export async function cancelJob(q: Queryable, id: string, now: number): Promise<void> {
  await q.query(`UPDATE ${SCHEDULED_FUNCTIONS_TABLE} SET state = 'canceled', completed_time = $2 WHERE id = $1 AND state = 'pending'`, [id, now]);
}

/** One job by id, or `null`. */
export async function loadJob(q: Queryable, id: string): Promise<JobRow | null> {
  const { rows } = await q.query<JobRow>(`SELECT ${COLUMNS} FROM ${SCHEDULED_FUNCTIONS_TABLE} WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** Every job in creation order (then id), `limit` at most. */
export async function listJobs(q: Queryable, order: "asc" | "desc", limit: number | null): Promise<JobRow[]> {
  const direction = order === "desc" ? "DESC" : "ASC";
  const { rows } = await q.query<JobRow>(
    `SELECT ${COLUMNS} FROM ${SCHEDULED_FUNCTIONS_TABLE} ORDER BY creation_time ${direction}, id ${direction}${limit === null ? "" : " LIMIT $1"}`,
    limit === null ? [] : [limit],
  );
  return rows;
}

/** Pending jobs due at `now`, earliest first (not locked: a runner claims each in its own transaction). */
export async function dueJobs(q: Queryable, now: number, limit: number): Promise<JobRow[]> {
  const { rows } = await q.query<JobRow>(
    `SELECT ${COLUMNS} FROM ${SCHEDULED_FUNCTIONS_TABLE} WHERE state = 'pending' AND scheduled_time <= $1 ORDER BY scheduled_time, id LIMIT $2`,
    [now, limit],
  );
  return rows;
}

/** When the earliest pending job (other than those of `except`) is due, or `null` when none is pending. */
export async function nextDueTime(q: Queryable, except: readonly string[] = []): Promise<number | null> {
  const { rows } =
    except.length === 0
      ? await q.query<{ t: number | null }>(`SELECT min(scheduled_time) AS t FROM ${SCHEDULED_FUNCTIONS_TABLE} WHERE state = 'pending'`)
      : await q.query<{ t: number | null }>(`SELECT min(scheduled_time) AS t FROM ${SCHEDULED_FUNCTIONS_TABLE} WHERE state = 'pending' AND id NOT IN (SELECT jsonb_array_elements_text($1::jsonb))`, [JSON.stringify(except)]);
  const value = rows[0]?.t;
  return value ?? null;
}

/**
 * Claim a pending job inside the caller's transaction: set it to `state` unless another
 * transaction holds it (`SKIP LOCKED`) or it is no longer pending. Returns whether it was
 * claimed; the row stays locked until the transaction ends.
 */
export async function claimJob(q: Queryable, id: string, state: "success" | "inProgress", now: number): Promise<boolean> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE ${SCHEDULED_FUNCTIONS_TABLE} SET state = $2, completed_time = CASE WHEN $2 = 'success' THEN $3::double precision END
      WHERE id = (SELECT id FROM ${SCHEDULED_FUNCTIONS_TABLE} WHERE id = $1 AND state = 'pending' FOR UPDATE SKIP LOCKED) RETURNING id`,
    [id, state, now],
  );
  return rows.length === 1;
}

/** Record how a job ended (only from `fromState`, so a finished job is never changed twice). */
export async function finishJob(q: Queryable, id: string, fromState: JobState, outcome: { state: "success" } | { state: "failed"; error: string }, now: number): Promise<boolean> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE ${SCHEDULED_FUNCTIONS_TABLE} SET state = $3, error = $4, completed_time = $5 WHERE id = $1 AND state = $2 RETURNING id`,
    [id, fromState, outcome.state, outcome.state === "failed" ? outcome.error : null, now],
  );
  return rows.length === 1;
}

/** A row as the `_scheduled_functions` document Convex defines. */
export function toScheduledFunction(row: JobRow): ScheduledFunction {
  const state: ScheduledFunctionState = row.state === "failed" ? { kind: "failed", error: row.error ?? "" } : { kind: row.state };
  return {
    _id: row.id as ScheduledFunctionId,
    _creationTime: row.creation_time,
    name: row.name,
    args: [decodeValue(row.args) as Record<string, unknown>],
    scheduledTime: row.scheduled_time,
    ...(row.completed_time === null ? {} : { completedTime: row.completed_time }),
    state,
  };
}

import type { Driver } from "../driver/driver.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { FunctionRegistry } from "../functions/registry.js";
import { validateArgs } from "../runtime/validate-call.js";
import { insertJob } from "../scheduler/job-store.js";
import { CRONS_TABLE } from "../storage/layout.js";
import { encodeValue } from "../values/encoding.js";
import { nextRun, type CronJob, type Crons } from "./cron-jobs.js";

/** What a job's row records: a changed schedule starts its ticks afresh. */
function specOf(job: CronJob): string {
  return JSON.stringify(job.schedule);
}

/**
 * Make `convoy.crons` hold exactly the app's jobs: new ones get their first tick, a job whose
 * schedule changed starts again from now, a job with an unchanged schedule keeps its next
 * tick (so a restart or a second server changes nothing), removed ones are deleted. Throws
 * `INTERNAL` for a job naming a function that is not a mutation or action of the app, or whose
 * arguments it rejects.
 */
export async function syncCrons(driver: Driver, crons: Crons | undefined, registry: FunctionRegistry, now: number): Promise<void> {
  const jobs = crons === undefined ? [] : [...crons.jobs.values()];
  for (const job of jobs) {
    const entry = registry.get(job.functionName);
    if (entry === undefined || entry.kind === "query") {
      throw new FrameworkError("INTERNAL", `crons.ts: job ${JSON.stringify(job.name)} runs ${JSON.stringify(job.functionName)}, which is not a mutation or action of this app`);
    }
    try {
      validateArgs(entry.fn, job.args);
    } catch (error) {
      throw new FrameworkError("INTERNAL", `crons.ts: job ${JSON.stringify(job.name)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  await driver.transaction({ isolation: "read committed" }, async (tx) => {
    await tx.query(`DELETE FROM ${CRONS_TABLE} WHERE name NOT IN (SELECT jsonb_array_elements_text($1::jsonb))`, [JSON.stringify(jobs.map((job) => job.name))]);
    for (const job of jobs) {
      await tx.query(
        `INSERT INTO ${CRONS_TABLE} AS c (name, spec, next_run) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET spec = EXCLUDED.spec, next_run = CASE WHEN c.spec = EXCLUDED.spec THEN c.next_run ELSE EXCLUDED.next_run END`,
        [job.name, specOf(job), nextRun(job.schedule, null, now)],
      );
    }
  });
}

/**
 * Claim every cron tick due at `now` and turn each into a job due now, in one transaction: the
 * rows are locked (`FOR UPDATE SKIP LOCKED`) and moved to their next tick together with the
 * job's insertion, so each tick makes one job however many servers poll. Returns how many jobs
 * were made. Rows of jobs this version does not define (another server's newer code) are left.
 */
export async function claimDueCrons(driver: Driver, crons: Crons | undefined, registry: FunctionRegistry, now: number): Promise<number> {
  if (crons === undefined || crons.jobs.size === 0) return 0;
  return driver.transaction({ isolation: "read committed" }, async (tx) => {
    const { rows } = await tx.query<{ name: string; spec: string; next_run: number }>(
      `SELECT name, spec, next_run FROM ${CRONS_TABLE} WHERE next_run <= $1 ORDER BY next_run FOR UPDATE SKIP LOCKED`,
      [now],
    );
    let made = 0;
    for (const row of rows) {
      const job = crons.jobs.get(row.name);
      const entry = job === undefined ? undefined : registry.get(job.functionName);
      if (job === undefined || entry === undefined || entry.kind === "query" || specOf(job) !== row.spec) continue;
      await tx.query(`UPDATE ${CRONS_TABLE} SET next_run = $2 WHERE name = $1`, [row.name, nextRun(job.schedule, row.next_run, now)]);
      await insertJob(tx, { name: entry.name, kind: entry.kind, args: encodeValue(validateArgs(entry.fn, job.args)), scheduledTime: now, now });
      made++;
    }
    return made;
  });
}

/** When the earliest cron tick is due, or `null` when there is none. */
export async function nextCronTime(driver: Driver): Promise<number | null> {
  const { rows } = await driver.query<{ t: number | null }>(`SELECT min(next_run) AS t FROM ${CRONS_TABLE}`);
  const value = rows[0]?.t;
  return value ?? null;
}

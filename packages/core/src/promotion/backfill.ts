import type { Driver } from "../driver/index.js";
import { DatabaseError } from "../errors/index.js";
import { BACKFILL_SETTING, loadPromotions } from "../storage/promoted-column.js";
import { literal } from "../storage/sql/identifiers.js";
import { backfillBatchSql, rowsAfterSql } from "./promotion-sql.js";
import { PromotionError } from "./promotion-error.js";
import type { PromotionTarget } from "./target.js";

/** Progress of a backfill, after each batch. */
export interface BackfillProgress {
  /** Rows done so far, by every run of this backfill (persisted). */
  rowsDone: number;
  /** Rows done plus the rows left when this run started (rows inserted since are kept in step by the trigger). */
  total: number;
  /** Rows of this run, and how long it has taken (ms). */
  rowsThisRun: number;
  elapsedMs: number;
  /** Rows whose column this batch changed (the others were already in step). */
  changed: number;
}

/** Options of {@link backfill}. */
export interface BackfillOptions {
  /** Rows per batch at most (default 5000). */
  batchSize?: number;
  /**
   * How long one batch's transaction may hold its rows' locks, in ms (default 50): a batch that
   * took longer makes the next ones smaller (down to 100 rows), a quick one makes them larger
   * again (up to `batchSize`), so a writer of a row in the batch never waits much longer than
   * this, however loaded the server is.
   */
  maxBatchMs?: number;
  /** Pause between batches, in ms (default 0). */
  throttleMs?: number;
  /** `lock_timeout` of a batch's row locks, in ms (default 5000): a batch never waits long behind a writer; it is retried. */
  lockTimeoutMs?: number;
  onProgress?: (progress: BackfillProgress) => void;
}

/** Rows per backfill batch unless told otherwise. */
export const DEFAULT_BATCH_SIZE = 5000;
/** The longest a batch should hold its row locks unless told otherwise (ms). */
export const DEFAULT_MAX_BATCH_MS = 50;
const MIN_BATCH_SIZE = 100;

const BATCH_SETTINGS_SQL = `SELECT set_config('lock_timeout', $1, true), set_config('convoy.origin', 'promote', true), set_config('synchronous_commit', 'off', true), set_config(${literal(BACKFILL_SETTING)}, 'on', true)`;
const RETRYABLE = new Set(["55P03", "40P01", "40001"]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Copies the field of every existing document into the promoted column, in keyset batches by
 * `_id` (each one short transaction that also records its progress in `convoy.promotions`), so
 * a killed run resumes after its last committed batch. Requires the promotion to be at
 * 'expanded' (the trigger keeps every row written since in step); returns the rows done.
 * Convoy's external-write notifications are skipped (`convoy.origin`): documents do not change.
 * The promotion triggers are not called for the batch's rows ({@link BACKFILL_SETTING}): the
 * batch computes the column from the document itself. A writer of a row in the batch either
 * waits for the batch (its own update then fires the trigger on the batch's row version) or
 * commits first, and the batch's UPDATE, re-checking the locked row (READ COMMITTED),
 * computes the column from that newer document.
 */
export async function backfill(driver: Driver, target: PromotionTarget, options: BackfillOptions = {}): Promise<BackfillProgress> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const lockTimeout = Math.max(1, Math.floor(options.lockTimeoutMs ?? 5000));
  const recorded = (await loadPromotions(driver, target.pgSchema)).get(target.table)?.get(target.field);
  if (recorded === undefined) throw new PromotionError(`${target.table}.${target.field} is not expanded yet: run \`convoy promote ${target.table}.${target.field} --apply\``);
  let after = recorded.backfillAfter ?? "";
  let rowsDone = recorded.rowsDone;
  const left = await driver.query<{ n: string }>(rowsAfterSql(target), [after]);
  const progress: BackfillProgress = { rowsDone, total: rowsDone + Number(left.rows[0]!.n), rowsThisRun: 0, elapsedMs: 0, changed: 0 };
  if (recorded.state !== "expanded") return progress;
  const started = performance.now();
  const batchSql = backfillBatchSql(target);
  const maxBatchMs = options.maxBatchMs ?? DEFAULT_MAX_BATCH_MS;
  let size = batchSize;
  for (let attempt = 0; ; ) {
    let batch: { last: string | null; rows: number; changed: number };
    const batchStarted = performance.now();
    try {
      batch = await driver.transaction({ isolation: "read committed" }, async (tx) => {
        // documents do not change: no external-write notification (convoy.origin) and no
        // promotion trigger (convoy.backfill); the progress row commits with the batch, so a
        // commit lost in a crash (synchronous_commit off) is redone on resume
        await tx.query(BATCH_SETTINGS_SQL, [String(lockTimeout)]);
        const { rows } = await tx.query<{ last: string | null; rows: number; changed: number; recorded: number }>(batchSql, [after, size, target.pgSchema, target.table, target.field]);
        const result = rows[0]!;
        if (result.last !== null && result.recorded !== 1) throw new PromotionError(`the promotion of ${target.table}.${target.field} is no longer recorded: was it undone meanwhile?`);
        return result;
      });
    } catch (error) {
      if (!(error instanceof DatabaseError && RETRYABLE.has(error.sqlState)) || ++attempt > 10) throw error;
      await sleep(Math.min(2000, 50 * 2 ** attempt));
      continue;
    }
    attempt = 0;
    if (batch.last === null) break;
    after = batch.last;
    rowsDone += batch.rows;
    progress.rowsDone = rowsDone;
    progress.total = Math.max(progress.total, rowsDone);
    progress.rowsThisRun += batch.rows;
    progress.changed = batch.changed;
    progress.elapsedMs = performance.now() - started;
    options.onProgress?.({ ...progress });
    if (batch.rows < size) break;
    const took = performance.now() - batchStarted;
    if (took > maxBatchMs) size = Math.max(Math.min(MIN_BATCH_SIZE, batchSize), Math.floor((size * maxBatchMs) / took));
    else if (took < maxBatchMs / 2) size = Math.min(batchSize, Math.ceil(size * 1.5));
    if ((options.throttleMs ?? 0) > 0) await sleep(options.throttleMs!);
  }
  progress.elapsedMs = performance.now() - started;
  return progress;
}

import type { Driver } from "../driver/index.js";
import type { SchemaDefinition } from "../schema/index.js";
import { effectiveSchema, switchedIn } from "../schema-sync/effective-schema.js";
import { readSchemaHash } from "../schema-sync/sync-driver.js";
import { driverSession, executeStatements, type LockPolicy } from "../schema-sync/execute.js";
import { finishLogEntry } from "../schema-sync/sync-log.js";
import { loadPromotions, type PromotedColumnType, type PromotionState } from "../storage/promoted-column.js";
import { backfill, DEFAULT_BATCH_SIZE, DEFAULT_MAX_BATCH_MS, type BackfillProgress } from "./backfill.js";
import { planFinish, planPromotion, promotedIndexes, type PromotionPlan, type PromotionStep } from "./plan.js";
import { PromotionError } from "./promotion-error.js";
import { startStepEntry } from "./promotion-log.js";
import { INDEX_VALIDITY_SQL, RESERVED_COLUMNS, TABLE_COLUMNS_SQL, verifySql, wrongTypedDocumentsSql } from "./promotion-sql.js";
import { qualified } from "../storage/sql/identifiers.js";
import { reached } from "./states.js";
import { resolveTarget, type PromotionTarget } from "./target.js";

/** Options of a promotion run. */
export interface PromotionOptions {
  pgSchema: string;
  /** `lock_timeout` of each DDL statement, in ms (default 2000), retried `retries` times (default 8). */
  lockTimeoutMs?: number;
  retries?: number;
  /** Rows per backfill batch (default 5000) and the pause between batches (ms, default 0). */
  batchSize?: number;
  throttleMs?: number;
  /** The longest one backfill batch should hold its row locks (ms, default 50): batches shrink and grow to keep to it. */
  maxBatchMs?: number;
  /** Told when a step starts and ends, and of each retry. */
  onStep?: (step: PromotionStep, event: "start" | "done") => void;
  onRetry?: (message: string) => void;
  onBackfillProgress?: (progress: BackfillProgress) => void;
}

/** A promotion checked against the database and planned, not yet applied. */
export interface PreparedPromotion {
  plan: PromotionPlan;
  /** The `--finish` plan. */
  finish: PromotionPlan;
}

const DEFAULT_LOCK_TIMEOUT_MS = 2000;

/**
 * Checks `<table>.<field>` against the schema and the database and plans its promotion. Refuses,
 * before anything is changed: a field that is not declared in `.columns([...])`, a type that
 * cannot be a column, a nested path, a table that was never synced, a column of that name that
 * is not a promotion's, and (until the backfill is done) documents whose field has another
 * type than the column's (their count and an example `_id`).
 */
export async function preparePromotion(driver: Driver, schema: SchemaDefinition, argument: string, options: PromotionOptions): Promise<PreparedPromotion> {
  const target = resolveTarget(schema, options.pgSchema, argument);
  if (RESERVED_COLUMNS.has(target.field)) throw new PromotionError(`cannot promote ${target.table}.${target.field}: "${target.field}" is the name of a system column`);
  const { rows: columns } = await driver.query<{ name: string }>(TABLE_COLUMNS_SQL, [target.pgSchema, target.table]);
  if (columns.length === 0) throw new PromotionError(`the table ${target.pgSchema}.${target.table} does not exist: run \`convoy sync\` first`);
  const promotions = await loadPromotions(driver, target.pgSchema);
  const promotion = promotions.get(target.table)?.get(target.field);
  const state = promotion?.state ?? null;
  if (promotion === undefined && columns.some((c) => c.name === target.field)) {
    throw new PromotionError(`cannot promote ${target.table}.${target.field}: the table already has a column "${target.field}" that is not a promotion's`);
  }
  if (promotion !== undefined && promotion.type !== target.type) {
    throw new PromotionError(`${target.table}.${target.field} was promoted as ${promotion.type} but the schema now says ${target.type}: undo the promotion by hand (docs/promotion.md) first`);
  }
  if (!reached(state, "switched")) {
    // the switch records the code's schema as the database's: everything else must be synced already
    const current = effectiveSchema(schema, switchedIn(promotions));
    const recorded = await readSchemaHash(driver);
    if (recorded !== current.hash) {
      throw new PromotionError(`the database is at schema ${recorded?.slice(0, 12) ?? "none"} but the code's schema is ${current.hash.slice(0, 12)}: run \`convoy sync\` first`);
    }
  }
  if (!reached(state, "backfilled")) await refuseWrongTypes(driver, target);
  const switched = new Map<string, PromotedColumnType>();
  for (const [field, p] of promotions.get(target.table) ?? []) if (field !== target.field && reached(p.state, "switched")) switched.set(field, p.type);
  const planOptions = {
    // PGlite accepts CONCURRENTLY too (one session: nothing to wait for)
    concurrent: true,
    lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    maxBatchMs: options.maxBatchMs ?? DEFAULT_MAX_BATCH_MS,
    // the switch records the schema with this field's column (and those switched before it)
    switchSchema: effectiveSchema(schema, (table, field) => (table === target.table && field === target.field) || switchedIn(promotions)(table, field)),
    switched,
  };
  return { plan: planPromotion(target, state, planOptions), finish: planFinish(target, state, planOptions) };
}

async function refuseWrongTypes(driver: Driver, target: PromotionTarget): Promise<void> {
  const { rows } = await driver.query<{ count: string; example: string | null }>(wrongTypedDocumentsSql(target));
  const count = Number(rows[0]!.count);
  if (count === 0) return;
  throw new PromotionError(
    `cannot promote ${target.table}.${target.field}: ${String(count)} document(s) hold a value of another type than the column's (${target.type}) in "${target.field}" (e.g. _id ${rows[0]!.example ?? "?"}); fix them first`,
  );
}

/** Runs `fn` holding this promotion's advisory lock (one promote/backfill of a field at a time). `driver` must be one session (`openSyncDriver`). */
async function withPromotionLock<T>(driver: Driver, target: PromotionTarget, fn: () => Promise<T>): Promise<T> {
  const key = `convoy.promote:${target.pgSchema}.${target.table}.${target.field}`;
  const { rows } = await driver.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok", [key]);
  if (rows[0]?.ok !== true) throw new PromotionError(`another \`convoy promote\` or \`convoy backfill\` of ${target.table}.${target.field} is running`);
  try {
    return await fn();
  } finally {
    await driver.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]).catch(() => undefined);
  }
}

/**
 * Applies the steps of a plan that a previous run has not recorded as done, in order, each in
 * the sync log (source `promote`). `only` limits the run to some steps (`convoy backfill`).
 * Returns the state reached. On a real server `driver` must be ONE session (`openSyncDriver`):
 * it holds the promotion's advisory lock and runs the `CONCURRENTLY` builds.
 *
 * @example
 * const driver = await openSyncDriver(process.env.DATABASE_URL);
 * const { plan } = await preparePromotion(driver, schema, "messages.author", { pgSchema: "public" });
 * console.log(formatPromotionPlan(plan));
 * await applyPromotion(driver, plan, { pgSchema: "public" }); // "switched"
 */
export async function applyPromotion(driver: Driver, plan: PromotionPlan, options: PromotionOptions, only?: ReadonlySet<PromotionStep["kind"]>): Promise<PromotionState | null> {
  const { target } = plan;
  return withPromotionLock(driver, target, async () => {
    let state = (await loadPromotions(driver, target.pgSchema)).get(target.table)?.get(target.field)?.state ?? null;
    for (const step of plan.steps) {
      if (reached(state, step.reaches)) continue;
      if (only !== undefined && !only.has(step.kind)) break;
      options.onStep?.(step, "start");
      const logId = await startStepEntry(driver, target, plan.schemaHash, step);
      try {
        await runStep(driver, target, step, options);
      } catch (error) {
        await finishLogEntry(driver, logId, "failed", error instanceof Error ? error.message : String(error)).catch(() => undefined);
        throw error;
      }
      await finishLogEntry(driver, logId, "applied");
      state = step.reaches;
      options.onStep?.(step, "done");
    }
    return state;
  });
}

function lockPolicy(options: PromotionOptions): LockPolicy {
  return {
    lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    retries: options.retries ?? 8,
    onRetry: (statement, attempt, error) => options.onRetry?.(`${statement.description}: ${error.message}; retry ${String(attempt)}`),
  };
}

async function runStep(driver: Driver, target: PromotionTarget, step: PromotionStep, options: PromotionOptions): Promise<void> {
  const session = driverSession(driver);
  const [last] = step.statements.slice(-1);
  switch (step.kind) {
    case "backfill": {
      await backfill(driver, target, {
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        ...(options.throttleMs === undefined ? {} : { throttleMs: options.throttleMs }),
        ...(options.maxBatchMs === undefined ? {} : { maxBatchMs: options.maxBatchMs }),
        ...(options.onBackfillProgress === undefined ? {} : { onProgress: options.onBackfillProgress }),
      });
      await executeStatements(session, [last!], lockPolicy(options));
      return;
    }
    case "index": {
      await dropInvalidLeftovers(driver, target, options);
      const names = promotedIndexes(target).map((i) => i.name);
      const valid = await indexValidity(driver, target, names);
      const builds = step.statements.slice(0, -1).filter((_, i) => valid.get(names[i]!) !== true);
      await executeStatements(session, [...builds, last!], lockPolicy(options));
      return;
    }
    case "verify": {
      await verify(driver, target);
      await executeStatements(session, [last!], lockPolicy(options));
      return;
    }
    default:
      await executeStatements(session, step.statements, lockPolicy(options));
  }
}

async function indexValidity(driver: Driver, target: PromotionTarget, names: readonly string[]): Promise<Map<string, boolean>> {
  const { rows } = await driver.query<{ name: string; valid: boolean }>(INDEX_VALIDITY_SQL, [target.pgSchema, names]);
  return new Map(rows.map((row) => [row.name, row.valid]));
}

/** An index left INVALID by a killed `CREATE INDEX CONCURRENTLY` is dropped, so the build runs again. */
async function dropInvalidLeftovers(driver: Driver, target: PromotionTarget, options: PromotionOptions): Promise<void> {
  const names = promotedIndexes(target).map((i) => i.name);
  for (const [name, valid] of await indexValidity(driver, target, names)) {
    if (valid) continue;
    options.onRetry?.(`dropping the INVALID index ${name} left by an interrupted build`);
    const drop = `DROP INDEX CONCURRENTLY IF EXISTS ${qualified(target.pgSchema, name)}`;
    await executeStatements(driverSession(driver), [{ description: `drop the INVALID ${name}`, sql: drop, lock: "SHARE UPDATE EXCLUSIVE", concurrent: true }], lockPolicy(options));
  }
}

/** The result of the verification (also what the tests compare). */
export interface Verification {
  rows: number;
  mismatched: number;
  documentChecksum: string;
  columnChecksum: string;
  /** `indisvalid` of each column-backed index (absent: not built). */
  indexes: Record<string, boolean>;
}

/** Counts, checksums and index validity of a promotion (read only). */
export async function readVerification(driver: Driver, target: PromotionTarget): Promise<Verification> {
  const { rows } = await driver.query<{ rows: string; mismatched: string; document_checksum: string; column_checksum: string }>(verifySql(target));
  const row = rows[0]!;
  const validity = await indexValidity(driver, target, promotedIndexes(target).map((i) => i.name));
  return { rows: Number(row.rows), mismatched: Number(row.mismatched), documentChecksum: row.document_checksum, columnChecksum: row.column_checksum, indexes: Object.fromEntries(validity) };
}

async function verify(driver: Driver, target: PromotionTarget): Promise<void> {
  const result = await readVerification(driver, target);
  const problems: string[] = [];
  if (result.mismatched > 0) problems.push(`${String(result.mismatched)} of ${String(result.rows)} row(s) have a column that disagrees with the document`);
  if (result.documentChecksum !== result.columnChecksum) problems.push(`the checksums differ (document ${result.documentChecksum}, column ${result.columnChecksum})`);
  for (const index of promotedIndexes(target)) if (result.indexes[index.name] !== true) problems.push(`the index ${index.name} is ${index.name in result.indexes ? "INVALID" : "missing"}`);
  if (problems.length > 0) throw new PromotionError(`verification of ${target.table}.${target.field} failed: ${problems.join("; ")}`);
}

/** Applies the `--finish` plan (only after the switch). */
export async function applyFinish(driver: Driver, prepared: PreparedPromotion, options: PromotionOptions): Promise<PromotionState | null> {
  const { target } = prepared.finish;
  if (!reached(prepared.plan.state, "switched")) throw new PromotionError(`${target.table}.${target.field} is not switched yet: run \`convoy promote ${target.table}.${target.field} --apply\` first`);
  return applyPromotion(driver, prepared.finish, options);
}

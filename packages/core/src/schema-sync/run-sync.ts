import type { Driver, Queryable } from "../driver/index.js";
import type { SchemaJSON } from "../schema/schema-json.js";
import { checkDocuments, type DocumentCheck } from "./check-documents.js";
import { DEFAULT_PG_SCHEMA } from "../storage/layout.js";
import { SYNC_LOCK_KEY } from "./ddl.js";
import { driverSession, executeStatements, transactionSession, type LockPolicy, type SyncSession } from "./execute.js";
import { introspect } from "./introspect.js";
import { loadRecordedColumns } from "../storage/recorded-columns.js";
import { expectedDefinitionLookup, planSync } from "./plan.js";
import type { CheckDocumentsStep, PlanStep, SyncPlan } from "./plan-types.js";
import { finishLogEntry, insertFailedEntry, startLogEntry } from "./sync-log.js";
import { syncWriteTriggers } from "./write-triggers.js";

/** The schema to sync to: its JSON and hash (a `SchemaDefinition` fits). */
export interface SyncTarget {
  json: SchemaJSON;
  hash: string;
}

/** Options of {@link syncSchema}. */
export interface SyncOptions extends LockPolicy {
  /** The Postgres schema of the app's tables (default `public`). */
  pgSchema?: string;
  /** `apply` (default) changes the database; `dry-run` and `check` only plan and check. */
  mode?: "apply" | "dry-run" | "check";
  /** Apply even when existing documents fail a changed validator. */
  force?: boolean;
  /** Drop tables, indexes and fields the code no longer has. */
  allowDrop?: boolean;
  /** Documents per batch of the data check (default 1000). */
  batchSize?: number;
  /** Recorded in the sync log (default `sync`). */
  source?: string;
  /** Progress messages (waiting for the lock, each step as it starts). */
  onProgress?: (message: string) => void;
}

/** What happened to one step. */
export interface SyncStepResult {
  step: PlanStep;
  status: "applied" | "failed" | "not-run";
  durationMs?: number;
  error?: string;
}

/**
 * The outcome of a sync, as data (like Kysely's `MigrationResultSet`): easy to print, test and log.
 * - `up-to-date`: nothing pending; nothing done.
 * - `planned` (`dry-run`) / `pending` (`check`): steps are pending; nothing done.
 * - `refused`: existing documents fail a changed validator (see `checks`); nothing done (in
 *   `dry-run` and `check` too: the plan could not apply without `force`).
 * - `applied`: every step ran; `failed`: a step failed (`error`; earlier steps stay applied on a real server).
 */
export interface SyncResult {
  outcome: "up-to-date" | "planned" | "pending" | "refused" | "applied" | "failed";
  plan: SyncPlan;
  checks: DocumentCheck[];
  results: SyncStepResult[];
  error?: Error;
  /** The sync-log entry of an apply. */
  logId?: string;
}

class Rollback<T> extends Error {
  constructor(readonly value: T) {
    super("rollback");
  }
}

/** Runs `fn` in a transaction that is always rolled back: whatever it does leaves no trace. */
async function inRolledBackTransaction<T>(driver: Driver, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  try {
    await driver.transaction({ isolation: "repeatable read" }, async (tx) => {
      throw new Rollback(await fn(tx));
    });
  } catch (error) {
    if (error instanceof Rollback) return error.value as T;
    throw error;
  }
  throw new Error("unreachable");
}

/** Reads the database and plans (the probe of unrecorded index definitions runs in a savepoint that is rolled back). */
export async function readPlan(q: Queryable, target: SyncTarget, options: { pgSchema: string; allowDrop: boolean; concurrent: boolean }): Promise<SyncPlan> {
  const state = await introspect(q, options.pgSchema, expectedDefinitionLookup(target.json, await loadRecordedColumns(q, options.pgSchema)));
  return planSync(state, target.json, target.hash, { allowDrop: options.allowDrop, concurrent: options.concurrent });
}

/**
 * `convoy sync`: makes the database match the schema, safely. Plans (introspect + diff), checks
 * existing documents against changed validators, and, in `apply` mode, applies the steps under
 * an advisory lock (a concurrent sync waits, then finds nothing to do), recording the attempt
 * in `convoy.sync_log`.
 *
 * On a real server pass a driver with ONE connection (`openSyncDriver`): the lock is held by
 * that session, indexes of existing tables are built `CONCURRENTLY` outside transactions, and
 * each DDL statement runs with `lock_timeout` and is retried. On PGlite the whole sync is one
 * transaction (all or nothing) with plain `CREATE INDEX`.
 *
 * @example
 * const driver = await openSyncDriver(process.env.DATABASE_URL);
 * const result = await syncSchema(driver, schema, { mode: "dry-run" });
 * console.log(result.plan.steps.map((s) => s.description));
 */
export async function syncSchema(driver: Driver, target: SyncTarget, options: SyncOptions = {}): Promise<SyncResult> {
  const pgSchema = options.pgSchema ?? DEFAULT_PG_SCHEMA;
  const mode = options.mode ?? "apply";
  const planOptions = { pgSchema, allowDrop: options.allowDrop === true, concurrent: driver.kind === "pg" };

  if (mode !== "apply") {
    // Plan and check without the lock; the planning transaction is rolled back.
    const plan = await inRolledBackTransaction(driver, (tx) => readPlan(tx, target, planOptions));
    const checks = await runChecks(driverSession(driver), plan, target.json, options);
    const pending = plan.steps.length > 0;
    // The plan could not apply: say so now, not at the real sync.
    if (checks.some((check) => check.failing > 0) && options.force !== true) return { outcome: "refused", plan, checks, results: [] };
    return { outcome: pending ? (mode === "check" ? "pending" : "planned") : "up-to-date", plan, checks, results: [] };
  }

  if (driver.kind === "pglite") {
    // One connection, one transaction: the sync is atomic; a failure leaves nothing half done.
    let failed: { plan: SyncPlan; startedAt: Date; result: SyncResult } | undefined;
    try {
      return await driver.transaction({ isolation: "read committed" }, async (tx) => {
        const startedAt = new Date();
        const result = await syncInTransaction(tx, target, options);
        if (result.outcome === "failed") {
          failed = { plan: result.plan, startedAt, result };
          throw result.error ?? new Error("sync failed");
        }
        return result;
      });
    } catch (error) {
      if (failed === undefined) throw error;
      const { plan, startedAt, result } = failed;
      await insertFailedEntry(driver, options.source ?? "sync", plan, startedAt, result.error?.message ?? String(error)).catch(() => undefined);
      // Rolled back: nothing of this attempt stays.
      return { ...result, results: result.results.map((r) => (r.status === "applied" ? { ...r, status: "not-run" } : r)), logId: undefined };
    }
  }

  const session = driverSession(driver);
  await pollLock(driver, "pg_try_advisory_lock", options);
  try {
    return await applySync(session, target, options, planOptions);
  } finally {
    await driver.query("SELECT pg_advisory_unlock($1)", [SYNC_LOCK_KEY]).catch(() => undefined);
  }
}

/**
 * Takes the sync advisory lock by polling the `try` variant: never blocking in
 * `pg_advisory_lock`, since a statement blocked there holds a snapshot, and a running sync's
 * `CREATE INDEX CONCURRENTLY` waits for every such snapshot to end: the two would deadlock.
 */
async function pollLock(q: Queryable, fn: "pg_try_advisory_lock" | "pg_try_advisory_xact_lock", options: SyncOptions): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const got = await q.query<{ ok: boolean }>(`SELECT ${fn}($1) AS ok`, [SYNC_LOCK_KEY]);
    if (got.rows[0]?.ok === true) return;
    if (attempt === 0) options.onProgress?.("another sync is running; waiting for it to finish");
    await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 1000)));
  }
}

/**
 * Applies the plan inside an open transaction (PGlite's whole sync), under the
 * transaction-scoped advisory lock: plain index builds, all or nothing. A failed step returns
 * `outcome: "failed"`; the caller must roll back.
 */
async function syncInTransaction(tx: Queryable, target: SyncTarget, options: SyncOptions = {}): Promise<SyncResult> {
  await pollLock(tx, "pg_try_advisory_xact_lock", options);
  const planOptions = { pgSchema: options.pgSchema ?? DEFAULT_PG_SCHEMA, allowDrop: options.allowDrop === true, concurrent: false };
  return applySync(transactionSession(tx), target, options, planOptions);
}

async function runChecks(session: SyncSession, plan: SyncPlan, schema: SchemaJSON, options: SyncOptions): Promise<DocumentCheck[]> {
  const checks: DocumentCheck[] = [];
  const dropped = (table: string) => plan.steps.flatMap((s) => (s.kind === "drop_field" && s.table === table ? [s.field] : []));
  for (const step of plan.steps.filter((s): s is CheckDocumentsStep => s.kind === "check_documents")) {
    options.onProgress?.(`checking the documents of ${step.table}`);
    checks.push(
      await checkDocuments({ query: session.query }, plan.pgSchema, schema, step, {
        dropFields: dropped(step.table),
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      }),
    );
  }
  return checks;
}

/** The external-write triggers (write-triggers.ts), brought up to date with the tables. */
async function syncTriggers(session: SyncSession, target: SyncTarget, pgSchema: string, options: SyncOptions): Promise<void> {
  const changed = await session.transaction((q) => syncWriteTriggers(q, target.json, pgSchema));
  if (changed.length > 0) options.onProgress?.(`publishing writes of other SQL clients: triggers of ${changed.join(", ")}`);
}

/** Under the lock: plan, check, then apply step by step with the log. */
async function applySync(session: SyncSession, target: SyncTarget, options: SyncOptions, planOptions: { pgSchema: string; allowDrop: boolean; concurrent: boolean }): Promise<SyncResult> {
  const plan = await session.transaction((q) => readPlan(q, target, planOptions));
  if (plan.steps.length === 0) {
    await syncTriggers(session, target, planOptions.pgSchema, options);
    return { outcome: "up-to-date", plan, checks: [], results: [] };
  }
  const checks = await runChecks(session, plan, target.json, options);
  const results: SyncStepResult[] = plan.steps.map((step) => ({ step, status: "not-run" }));
  if (checks.some((check) => check.failing > 0) && options.force !== true) return { outcome: "refused", plan, checks, results };

  const source = options.source ?? "sync";
  let logId: string | undefined;
  for (const [i, step] of plan.steps.entries()) {
    // The log table is part of the bookkeeping: the entry starts once it exists.
    if (logId === undefined && step.kind !== "bookkeeping") logId = await startLogEntry({ query: session.query }, source, plan);
    if (step.statements.length === 0) {
      results[i] = { step, status: "applied", durationMs: 0 };
      continue;
    }
    options.onProgress?.(step.description);
    const started = performance.now();
    try {
      await executeStatements(session, step.statements, {
        ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
        ...(options.retries === undefined ? {} : { retries: options.retries }),
        onRetry: options.onRetry ?? ((statement, attempt, error) => options.onProgress?.(`${statement.description}: ${error.message}; retry ${String(attempt)}`)),
      });
      results[i] = { step, status: "applied", durationMs: performance.now() - started };
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      results[i] = { step, status: "failed", durationMs: performance.now() - started, error: failure.message };
      if (logId !== undefined && !session.inTransaction) await finishLogEntry({ query: session.query }, logId, "failed", failure.message).catch(() => undefined);
      return { outcome: "failed", plan, checks, results, error: failure, ...(logId === undefined ? {} : { logId }) };
    }
  }
  await syncTriggers(session, target, planOptions.pgSchema, options);
  logId ??= await startLogEntry({ query: session.query }, source, plan);
  await finishLogEntry({ query: session.query }, logId, "applied");
  return { outcome: "applied", plan, checks, results, logId };
}

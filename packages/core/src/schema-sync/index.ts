/**
 * `convoy sync`: introspect the database, diff it with the code's schema, plan typed steps and
 * apply them safely (advisory lock, `CREATE INDEX CONCURRENTLY`, `lock_timeout` + retry, data
 * checks, never dropping by default), with a sync log and the schema hash in `convoy.meta`.
 *
 * @example
 * const driver = await openSyncDriver(process.env.DATABASE_URL);
 * const result = await syncSchema(driver, schema);           // apply
 * if (result.outcome === "refused") console.log(result.checks);
 */
export { syncSchema, readPlan, type SyncOptions, type SyncResult, type SyncStepResult, type SyncTarget } from "./run-sync.js";
export { planSync, expectedIndexes, type PlanOptions } from "./plan.js";
export { introspect, type DatabaseState, type IntrospectedIndex, type IntrospectedTable } from "./introspect.js";
export { checkDocuments, type DocumentCheck, type FailingDocument } from "./check-documents.js";
export { readSyncLog, planSql, type SyncLogEntry } from "./sync-log.js";
export { readSchemaHash, openSyncDriver, schemaMismatch } from "./sync-driver.js";
export { formatPlan, formatResult, describeApplied } from "./format-plan.js";
export { ensureSchema, describeRefusal, type EnsureDatabase, type EnsureOptions } from "./ensure-schema.js";
export { SyncError } from "./sync-error.js";
export { effectiveSchema, loadEffectiveSchema, recordSchemaHash, switchedIn, type RecordedSchema } from "./effective-schema.js";
export * from "./plan-types.js";
export { SYNC_LOCK_KEY } from "./ddl.js";

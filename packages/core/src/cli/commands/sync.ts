import type { Command } from "commander";
import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import { formatPlan, formatResult, openSyncDriver, readSchemaHash, readSyncLog, syncSchema, type SyncResult } from "../../schema-sync/index.js";
import { loadSchemaOnly } from "../lib/load-schema.js";
import { resolveConfig } from "../lib/config.js";
import { logger } from "../lib/logger.js";
import { describeDatabase, openDatabase } from "../lib/open-database.js";

interface SyncFlags {
  db?: string;
  dryRun?: boolean;
  check?: boolean;
  json?: boolean;
  force?: boolean;
  allowDrop?: boolean;
  status?: boolean;
  lockTimeout?: number;
}

function parseMilliseconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive number of milliseconds");
  return n;
}

/** `convoy sync`: make the database match the schema, for servers and CI. */
export function addSyncCommand(program: Command): void {
  program
    .command("sync")
    .description("make the database match the schema (servers/CI): advisory lock, concurrent index builds, data checks, never drops unless --allow-drop")
    .option("--dry-run", "print the plan (summary, exact SQL, the lock each statement takes) and change nothing; exit 1 when it cannot apply")
    .option("--check", "exit 1 when anything is pending (for CI); changes nothing")
    .option("--json", "print the plan and outcome as JSON")
    .option("--force", "apply even when existing documents fail a changed validator")
    .option("--allow-drop", "also drop the tables, indexes and fields removed from the schema")
    .option("--status", "show the database's schema hash and the last sync-log entries")
    .option("--lock-timeout <ms>", "lock_timeout of each DDL statement before it is retried (default 5000)", parseMilliseconds)
    .option("--db <url>", "Postgres URL (default: DATABASE_URL, else the embedded PGlite in .convoy/)")
    .action(async (flags: SyncFlags) => {
      if (flags.dryRun === true && flags.check === true) throw new InvalidArgumentError("--dry-run and --check cannot be combined");
      const config = await resolveConfig(process.cwd(), { db: flags.db });
      const driver = config.databaseUrl === undefined ? await openDatabase(config) : await openSyncDriver(config.databaseUrl);
      try {
        if (flags.status === true) {
          await printStatus(flags, driver, config);
          return;
        }
        // Only schema.ts and what it imports: a stale _generated/ or a broken function module never stops a sync.
        const schema = await loadSchemaOnly(config.projectDir, config.functionsDir, join(config.stateDir, "build"));
        const mode = flags.dryRun === true ? "dry-run" : flags.check === true ? "check" : "apply";
        const json = flags.json === true;
        if (!json) logger.info(`${logger.bold("convoy sync")} ${mode === "apply" ? "" : `(${mode}) `}on ${describeDatabase(config)}`);
        const result = await syncSchema(driver, schema, {
          mode,
          pgSchema: config.pgSchema,
          force: flags.force === true,
          allowDrop: flags.allowDrop === true,
          ...(flags.lockTimeout === undefined ? {} : { lockTimeoutMs: flags.lockTimeout }),
          ...(json ? {} : { onProgress: (message: string) => logger.info(logger.dim(`… ${message}`)) }),
        });
        if (json) process.stdout.write(`${JSON.stringify(resultJson(result), null, 2)}\n`);
        else {
          logger.info(formatPlan(result.plan, logger, { sql: mode === "dry-run" }));
          const summary = formatResult(result);
          if (result.outcome === "refused" || result.outcome === "failed" || result.outcome === "pending") logger.error(summary);
          else logger.success(summary);
        }
        if (result.outcome === "refused" || result.outcome === "failed" || result.outcome === "pending") process.exitCode = 1;
      } finally {
        await driver.close();
      }
    });
}

/** The result as JSON: the plan with its SQL, the data checks, each step's status. */
function resultJson(result: SyncResult): unknown {
  return {
    outcome: result.outcome,
    plan: result.plan,
    checks: result.checks,
    results: result.results.map((r) => ({ kind: r.step.kind, description: r.step.description, status: r.status, ...(r.error === undefined ? {} : { error: r.error }) })),
    ...(result.error === undefined ? {} : { error: result.error.message }),
    ...(result.logId === undefined ? {} : { logId: result.logId }),
  };
}

async function printStatus(flags: SyncFlags, driver: Awaited<ReturnType<typeof openDatabase>>, config: Awaited<ReturnType<typeof resolveConfig>>): Promise<void> {
  const databaseHash = await readSchemaHash(driver);
  let codeHash: string | null = null;
  try {
    codeHash = (await loadSchemaOnly(config.projectDir, config.functionsDir, join(config.stateDir, "build"))).hash;
  } catch (error) {
    if (flags.json !== true) logger.warn(`could not load the app's schema: ${error instanceof Error ? error.message : String(error)}`);
  }
  const entries = await readSyncLog(driver, 10);
  if (flags.json === true) {
    process.stdout.write(
      `${JSON.stringify({ databaseHash, codeHash, inSync: codeHash !== null && codeHash === databaseHash, log: entries.map((entry) => ({ ...entry, plan: undefined, sql: undefined, steps: entry.plan.steps.map((s) => s.description) })) }, null, 2)}\n`,
    );
    return;
  }
  logger.info(`database: ${describeDatabase(config)}`);
  logger.info(`schema hash in the database: ${databaseHash ?? "none (never synced)"}`);
  if (codeHash !== null) logger.info(`schema hash of the code:     ${codeHash} ${codeHash === databaseHash ? logger.color("green", "(in sync)") : logger.color("yellow", "(differs: run convoy sync)")}`);
  if (entries.length === 0) logger.info("sync log: empty");
  else {
    logger.info("last syncs (newest first):");
    for (const e of entries) {
      const took = e.finishedAt === null ? "" : ` in ${String(e.finishedAt.getTime() - e.startedAt.getTime())} ms`;
      logger.info(
        `  #${e.id} ${e.startedAt.toISOString()} ${e.outcome.padEnd(7)} ${e.source.padEnd(4)} ${e.schemaHash.slice(0, 12)} ${String(e.plan.steps.length)} step(s)${took} on ${e.host} (convoy ${e.convoyVersion})${e.error === null ? "" : `: ${e.error}`}`,
      );
    }
  }
}

import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { join } from "node:path";
import type { Driver } from "../../driver/index.js";
import { applyFinish, applyPromotion, formatPromotionPlan, preparePromotion, type PreparedPromotion, type PromotionOptions } from "../../promotion/index.js";
import { openSyncDriver } from "../../schema-sync/index.js";
import { progressReporter } from "../lib/backfill-progress.js";
import { resolveConfig, type ResolvedConfig } from "../lib/config.js";
import { loadSchemaOnly } from "../lib/load-schema.js";
import { logger } from "../lib/logger.js";
import { describeDatabase, openDatabase } from "../lib/open-database.js";

export interface PromoteFlags {
  db?: string;
  apply?: boolean;
  finish?: boolean;
  lockTimeout?: number;
  batchSize?: number;
  throttle?: number;
  maxBatchMs?: number;
}

/** A positive integer option (`--batch-size`, `--lock-timeout`). */
export function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

/** A non-negative integer option (`--throttle`). */
export function parseNonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative integer");
  return n;
}

/** The backfill options `convoy promote` and `convoy backfill` share, and `--db`. */
export function addBackfillOptions(command: Command, batchSizeHelp: string): Command {
  return command
    .option("--batch-size <rows>", batchSizeHelp, parsePositiveInteger)
    .option("--throttle <ms>", "pause between backfill batches (default 0)", parseNonNegativeInteger)
    .option("--max-batch-ms <ms>", "longest a backfill batch may hold its row locks; batches shrink to keep to it (default 50)", parsePositiveInteger)
    .option("--db <url>", "Postgres URL (default: DATABASE_URL, else the embedded PGlite in .convoy/)");
}

/**
 * Runs `body` on the prepared promotion of `argument` (`<table>.<field>`): the database is ONE
 * session on a real server (it holds the promotion's advisory lock), else the embedded PGlite;
 * the schema is `schema.ts` alone. Closes the database and the progress bar after.
 */
export async function withPromotion(
  argument: string,
  flags: PromoteFlags,
  body: (promotion: { config: ResolvedConfig; driver: Driver; options: PromotionOptions; prepared: PreparedPromotion }) => Promise<void>,
): Promise<void> {
  const config = await resolveConfig(process.cwd(), { db: flags.db });
  const driver = config.databaseUrl === undefined ? await openDatabase(config) : await openSyncDriver(config.databaseUrl);
  const { options, stopProgress } = promotionOptions(config.pgSchema, flags, `backfill ${argument}`);
  try {
    const schema = await loadSchemaOnly(config.projectDir, config.functionsDir, join(config.stateDir, "build"));
    await body({ config, driver, options, prepared: await preparePromotion(driver, schema, argument, options) });
  } finally {
    stopProgress();
    await driver.close();
  }
}

function promotionOptions(pgSchema: string, flags: { lockTimeout?: number; batchSize?: number; throttle?: number; maxBatchMs?: number }, label: string): { options: PromotionOptions; stopProgress: () => void } {
  let reporter: ReturnType<typeof progressReporter> | undefined;
  const options: PromotionOptions = {
    pgSchema,
    ...(flags.lockTimeout === undefined ? {} : { lockTimeoutMs: flags.lockTimeout }),
    ...(flags.batchSize === undefined ? {} : { batchSize: flags.batchSize }),
    ...(flags.throttle === undefined ? {} : { throttleMs: flags.throttle }),
    ...(flags.maxBatchMs === undefined ? {} : { maxBatchMs: flags.maxBatchMs }),
    onStep: (step, event) => {
      if (event === "start") logger.info(logger.dim(`… ${step.kind}: ${step.description}`));
      else {
        reporter?.stop();
        reporter = undefined;
        logger.success(`${step.kind} done`);
      }
    },
    onRetry: (message) => logger.warn(message),
    onBackfillProgress: (progress) => {
      reporter ??= progressReporter(label);
      reporter.update(progress);
    },
  };
  return { options, stopProgress: () => reporter?.stop() };
}

/** `convoy promote <table>.<field>`: plan (or with `--apply` run) the online promotion of a field to a typed column. */
export function addPromoteCommand(program: Command): void {
  const command = program
    .command("promote")
    .description("promote a declared field (`.columns([...])` in schema.ts) to a typed, indexed column, online: prints the plan; --apply runs it")
    .argument("<table.field>", "the field to promote, e.g. messages.author")
    .option("--apply", "run the plan: expand, backfill, index, verify, switch (a rerun resumes where it stopped)")
    .option("--finish", "the contract step after the switch: drop the key-column indexes and key column the switch made unused (prints its plan; with --apply runs it)")
    .option("--lock-timeout <ms>", "lock_timeout of each DDL statement before it is retried (default 2000)", parsePositiveInteger);
  addBackfillOptions(command, "rows per backfill batch (default 5000)")
    .action((argument: string, flags: PromoteFlags) =>
      withPromotion(argument, flags, async ({ config, driver, options, prepared }) => {
        const plan = flags.finish === true ? prepared.finish : prepared.plan;
        logger.info(`${logger.bold(`convoy promote${flags.finish === true ? " --finish" : ""}`)} on ${describeDatabase(config)}`);
        logger.info(formatPromotionPlan(plan, logger));
        if (flags.apply !== true) {
          logger.info(`\nplan only: nothing was changed; run with --apply to ${flags.finish === true ? "finish" : "promote"}`);
          return;
        }
        const state = flags.finish === true ? await applyFinish(driver, prepared, options) : await applyPromotion(driver, plan, options);
        const { table, field } = plan.target;
        if (state === "finished") logger.success(`${table}.${field} is finished: the key-column indexes and key column are dropped`);
        else logger.success(`${table}.${field} is switched: reads, ranges, ordering and cursors use the column "${field}"; restart servers started before the switch, then run \`convoy promote ${table}.${field} --finish\``);
      }),
    );
}

import type { Command } from "commander";
import { join } from "node:path";
import { applyPromotion, preparePromotion, PromotionError } from "../../promotion/index.js";
import { loadSchemaOnly } from "../lib/load-schema.js";
import { logger } from "../lib/logger.js";
import { describeDatabase } from "../lib/open-database.js";
import { openPromotionDatabase, parseNonNegativeInteger, parsePositiveInteger, promotionOptions } from "./promote.js";

interface BackfillFlags {
  db?: string;
  batchSize?: number;
  throttle?: number;
  maxBatchMs?: number;
}

/** `convoy backfill <table>.<field>`: the resumable, batched backfill of an expanded promotion on its own. */
export function addBackfillCommand(program: Command): void {
  program
    .command("backfill")
    .description("copy a promoted field of every existing document into its column, in short keyset batches (resumable; after `convoy promote --apply` expanded it)")
    .argument("<table.field>", "the field being promoted, e.g. messages.author")
    .option("--batch-size <rows>", "rows per batch, each its own short transaction (default 5000)", parsePositiveInteger)
    .option("--throttle <ms>", "pause between batches (default 0)", parseNonNegativeInteger)
    .option("--max-batch-ms <ms>", "longest a batch may hold its row locks; batches shrink to keep to it (default 50)", parsePositiveInteger)
    .option("--db <url>", "Postgres URL (default: DATABASE_URL, else the embedded PGlite in .convoy/)")
    .action(async (argument: string, flags: BackfillFlags) => {
      const { config, driver } = await openPromotionDatabase(flags);
      const { options, stopProgress } = promotionOptions(config.pgSchema, flags, `backfill ${argument}`);
      try {
        const schema = await loadSchemaOnly(config.projectDir, config.functionsDir, join(config.stateDir, "build"));
        const { plan } = await preparePromotion(driver, schema, argument, options);
        const { table, field } = plan.target;
        if (plan.state === null) throw new PromotionError(`${table}.${field} is not expanded yet: run \`convoy promote ${table}.${field} --apply\` (it runs the backfill too)`);
        logger.info(`${logger.bold("convoy backfill")} ${table}.${field} on ${describeDatabase(config)}`);
        if (plan.state !== "expanded") {
          logger.success(`${table}.${field} is already backfilled (state: ${plan.state})`);
          return;
        }
        await applyPromotion(driver, plan, options, new Set(["backfill"]));
        logger.success(`${table}.${field} is backfilled: run \`convoy promote ${table}.${field} --apply\` to index, verify and switch`);
      } finally {
        stopProgress();
        await driver.close();
      }
    });
}

import type { Command } from "commander";
import { applyPromotion, PromotionError } from "../../promotion/index.js";
import { logger } from "../lib/logger.js";
import { describeDatabase } from "../lib/open-database.js";
import { addBackfillOptions, withPromotion, type PromoteFlags } from "./promote.js";

/** `convoy backfill <table>.<field>`: the resumable, batched backfill of an expanded promotion on its own. */
export function addBackfillCommand(program: Command): void {
  const command = program
    .command("backfill")
    .description("copy a promoted field of every existing document into its column, in short keyset batches (resumable; after `convoy promote --apply` expanded it)")
    .argument("<table.field>", "the field being promoted, e.g. messages.author");
  addBackfillOptions(command, "rows per batch, each its own short transaction (default 5000)").action((argument: string, flags: PromoteFlags) =>
    withPromotion(argument, flags, async ({ config, driver, options, prepared: { plan } }) => {
      const { table, field } = plan.target;
      if (plan.state === null) throw new PromotionError(`${table}.${field} is not expanded yet: run \`convoy promote ${table}.${field} --apply\` (it runs the backfill too)`);
      logger.info(`${logger.bold("convoy backfill")} ${table}.${field} on ${describeDatabase(config)}`);
      if (plan.state !== "expanded") {
        logger.success(`${table}.${field} is already backfilled (state: ${plan.state})`);
        return;
      }
      await applyPromotion(driver, plan, options, new Set(["backfill"]));
      logger.success(`${table}.${field} is backfilled: run \`convoy promote ${table}.${field} --apply\` to index, verify and switch`);
    }),
  );
}

import type { Command } from "commander";
import { runCodegen } from "../../codegen/index.js";
import { resolveConfig } from "../lib/config.js";
import { logger } from "../lib/logger.js";

/** `convoy codegen`: write `convoy/_generated/` only. */
export function addCodegenCommand(program: Command): void {
  program
    .command("codegen")
    .description("write the functions dir's _generated/ (typed api, server, dataModel, registry)")
    .action(async () => {
      const config = await resolveConfig(process.cwd());
      const written = await runCodegen(config.functionsDir);
      logger.success(written.length === 0 ? "_generated/ is up to date" : `wrote _generated/: ${written.join(", ")}`);
    });
}

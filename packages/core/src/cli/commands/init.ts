import { resolve } from "node:path";
import type { Command } from "commander";
import { initProject } from "../lib/init-project.js";
import { logger } from "../lib/logger.js";

/** `convoy init [dir]`: scaffold a working starter. */
export function addInitCommand(program: Command): void {
  program
    .command("init")
    .argument("[dir]", "project directory", ".")
    .description("scaffold convoy/ with a schema, a module and a README snippet")
    .action(async (dir: string) => {
      const result = await initProject(resolve(dir));
      for (const file of result.created) logger.success(`created ${file}`);
      for (const file of result.skipped) logger.info(logger.dim(`kept existing ${file}`));
      logger.info(`\nNext: ${logger.bold("npx convoy dev")}`);
    });
}

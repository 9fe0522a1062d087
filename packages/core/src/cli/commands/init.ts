import { resolve } from "node:path";
import type { Command } from "commander";
import { initProject } from "../lib/init-project.js";
import { logger } from "../lib/logger.js";

/** `convoy init [dir]`: scaffold a working starter, or add what is missing to an existing project. */
export function addInitCommand(program: Command): void {
  program
    .command("init")
    .argument("[dir]", "project directory", ".")
    .description("scaffold a type-checking app (package.json, tsconfig, convoy/ with a schema, a module and its test), or add what is missing")
    .action(async (dir: string) => {
      const result = await initProject(resolve(dir));
      for (const file of result.created) logger.success(`created ${file}`);
      for (const change of result.changed) logger.success(`added ${change}`);
      for (const file of result.skipped) logger.info(logger.dim(`kept existing ${file}`));
      for (const warning of result.warnings) logger.warn(warning);
      const steps = [...(resolve(dir) === process.cwd() ? [] : [`cd ${dir}`]), ...(result.installNeeded ? ["npm install"] : []), "npm run dev"];
      logger.info(`\nNext: ${logger.bold(steps.join(" && "))}`);
    });
}

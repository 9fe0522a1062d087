import { Command } from "commander";
import { CONVOY_VERSION } from "../version.js";
import { addBackfillCommand } from "./commands/backfill.js";
import { addCodegenCommand } from "./commands/codegen.js";
import { addDevCommand } from "./commands/dev.js";
import { addImportExportCommands } from "./commands/import-export.js";
import { addInitCommand } from "./commands/init.js";
import { addPromoteCommand } from "./commands/promote.js";
import { addRunCommand } from "./commands/run.js";
import { addStartCommand } from "./commands/start.js";
import { addSyncCommand } from "./commands/sync.js";

/** Builds the `convoy` command-line program; each command adds itself from `cli/commands/`. */
export function createProgram(): Command {
  const program = new Command("convoy")
    .description("Convoy: Convex-style schema, typed functions and live queries on your own PostgreSQL")
    .version(CONVOY_VERSION)
    .showHelpAfterError()
    .exitOverride();
  program.configureHelp({ sortSubcommands: false });
  for (const add of [addInitCommand, addDevCommand, addCodegenCommand, addRunCommand, addSyncCommand, addPromoteCommand, addBackfillCommand, addStartCommand, addImportExportCommands]) add(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

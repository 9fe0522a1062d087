import { Command } from "commander";
import { CONVOY_VERSION } from "../version.js";

/** Builds the `convoy` command-line program. Each command adds itself from `cli/commands/`. */
export function createProgram(): Command {
  const program = new Command("convoy")
    .description("Convoy: Convex-style schema, typed functions and live queries on your own PostgreSQL")
    .version(CONVOY_VERSION)
    .showHelpAfterError()
    .exitOverride();
  return program;
}

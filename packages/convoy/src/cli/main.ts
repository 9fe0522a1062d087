#!/usr/bin/env node
import { CommanderError } from "commander";
import { createProgram } from "./program.js";

/** Exit codes (SPEC §7): 0 success, 1 failure, 2 usage error. */
try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

import { CommanderError } from "commander";
import { createProgram } from "./program.js";
import { logger } from "./lib/logger.js";

/** Exit codes (SPEC §7): 0 success, 1 failure (message on stderr), 2 usage error. */
try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    const code = (error as { code?: unknown }).code;
    const data = (error as { data?: unknown }).data;
    const message = error instanceof Error ? error.message : String(error);
    logger.error(`${typeof code === "string" && /^[A-Z_]+$/.test(code) ? `${code}: ` : ""}${message}${data === undefined ? "" : ` ${JSON.stringify(data)}`}`);
    process.exitCode = 1;
  }
}

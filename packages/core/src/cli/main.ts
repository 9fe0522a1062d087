import "./v8-tuning.js";
import { CommanderError } from "commander";
import { createProgram } from "./program.js";
import { logger } from "./lib/logger.js";

// stacks of the user's functions name their .ts files and lines (the bundles carry inline source maps)
process.setSourceMapsEnabled(true);

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
    // a ConvoyError's message already is its data
    const detail = data === undefined || code === "APPLICATION_ERROR" ? "" : ` ${stringify(data)}`;
    logger.error(`${typeof code === "string" && /^[A-Z_]+$/.test(code) ? `${code}: ` : ""}${message}${detail}`);
    process.exitCode = 1;
  }
}

function stringify(data: unknown): string {
  try {
    return JSON.stringify(data, (_key, value: unknown) => (typeof value === "bigint" ? `${value}n` : value));
  } catch {
    return String(data);
  }
}

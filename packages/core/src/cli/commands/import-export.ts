import { join, resolve } from "node:path";
import type { Command } from "commander";
import { resolveConfig } from "../lib/config.js";
import { loadSchemaOnly } from "../lib/load-schema.js";
import { logger } from "../lib/logger.js";
import { describeDatabase, openDatabase } from "../lib/open-database.js";

const progress = (message: string): void => {
  logger.info(logger.dim(`… ${message}`));
};

/**
 * `convoy import <file.zip> [--replace]` and `convoy export --path <file.zip>`: Convex's
 * snapshot format, both ways (see convex-compat/snapshot). They need the app's schema only
 * (`schema.ts`; none: every table is schemaless) and a database `convoy sync` has prepared.
 * The snapshot code (and its ZIP libraries) loads only when one of them runs.
 */
export function addImportExportCommands(program: Command): void {
  program
    .command("import")
    .argument("<file>", "a Convex snapshot ZIP (npx convex export, or convoy export)")
    .option("--replace", "empty the snapshot's tables first (otherwise a table that holds documents is refused)")
    .option("--db <url>", "Postgres URL (default: DATABASE_URL, else the embedded PGlite in .convoy/)")
    .description("load a Convex snapshot ZIP into the app's tables, in one transaction (ids kept, or rewritten with their references)")
    .action(async (file: string, flags: { replace?: boolean; db?: string }) => {
      const config = await resolveConfig(process.cwd(), { db: flags.db });
      const schema = await loadSchemaOnly(config.projectDir, config.functionsDir, join(config.stateDir, "build"));
      const driver = await openDatabase(config);
      try {
        logger.info(`${logger.bold("convoy import")} ${file} into ${describeDatabase(config)}${flags.replace === true ? " (--replace)" : ""}`);
        const { importSnapshot } = await import("../../convex-compat/snapshot/index.js");
        const result = await importSnapshot({ driver, schema, pgSchema: config.pgSchema, path: resolve(file), replace: flags.replace === true, onProgress: progress });
        const documents = result.tables.reduce((sum, table) => sum + table.documents, 0);
        logger.success(`imported ${documents.toLocaleString("en-US")} documents into ${String(result.tables.length)} table${result.tables.length === 1 ? "" : "s"} (${result.tables.map((t) => t.table).join(", ")})`);
      } finally {
        await driver.close();
      }
    });
  program
    .command("export")
    .requiredOption("--path <file>", "where to write the snapshot ZIP")
    .option("--db <url>", "Postgres URL (default: DATABASE_URL, else the embedded PGlite in .convoy/)")
    .description("write every table as a Convex snapshot ZIP (npx convex import and convoy import read it)")
    .action(async (flags: { path: string; db?: string }) => {
      const config = await resolveConfig(process.cwd(), { db: flags.db });
      const schema = await loadSchemaOnly(config.projectDir, config.functionsDir, join(config.stateDir, "build"));
      const driver = await openDatabase(config);
      try {
        logger.info(`${logger.bold("convoy export")} ${describeDatabase(config)} to ${flags.path}`);
        const { exportSnapshot } = await import("../../convex-compat/snapshot/index.js");
        const result = await exportSnapshot({ driver, schema, pgSchema: config.pgSchema, path: resolve(flags.path), onProgress: progress });
        const documents = result.tables.reduce((sum, table) => sum + table.documents, 0);
        logger.success(`exported ${documents.toLocaleString("en-US")} documents of ${String(result.tables.length)} table${result.tables.length === 1 ? "" : "s"} to ${flags.path}`);
      } finally {
        await driver.close();
      }
    });
}

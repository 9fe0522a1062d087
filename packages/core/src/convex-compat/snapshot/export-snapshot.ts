import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { PassThrough } from "node:stream";
import { finished } from "node:stream/promises";
import yazl from "yazl";
import { decodeRow, type DocumentRow } from "../../db/documents.js";
import type { Driver } from "../../driver/index.js";
import type { SchemaDefinition } from "../../schema/schema-definition.js";
import type { CatalogTable } from "../../storage/catalog.js";
import { DEFAULT_PG_SCHEMA } from "../../storage/layout.js";
import { loadCatalog } from "../../storage/load-catalog.js";
import { rowSql } from "../../storage/row-sql.js";
import { requireStorage } from "../../storage/storage-check.js";
import type { Value } from "../../values/value.js";
import { toExportJson } from "./export-json.js";

/** Options of {@link exportSnapshot}. */
export interface ExportSnapshotOptions {
  driver: Driver;
  schema: SchemaDefinition;
  pgSchema?: string;
  /** Where to write the ZIP (replaced only once the export is complete). */
  path: string;
  /** Documents read per statement (default 1000). */
  pageSize?: number;
  /** Progress lines ("exported messages: 1,000 documents"). */
  onProgress?: (message: string) => void;
}

/** What {@link exportSnapshot} wrote. */
export interface ExportSnapshotResult {
  tables: { table: string; documents: number }[];
}

const README = `# A snapshot of a Convoy app's tables

Convex's snapshot export format: the documents of each table are lines of JSON in
<table>/documents.jsonl (int64 as bare integers, float64 with a dot or an exponent, NaN and
Infinity as {"$float": base64}, bytes as {"$bytes": base64}). Load it with \`convoy import\` or
\`npx convex import\`.
`;

/**
 * Writes every table of the app (the schema's, and those created outside it) as a Convex
 * snapshot ZIP: `<table>/documents.jsonl` in Convex's export JSON (export-json.ts), one
 * document a line in `_creationTime` order, `<table>/generated_schema.jsonl` marking that format
 * (`"uniform"`, as Convex writes it), `_tables/documents.jsonl` and a README. All tables are read
 * in one `REPEATABLE READ` snapshot, page by page, streamed into the ZIP; the file appears only
 * when complete.
 */
export async function exportSnapshot(options: ExportSnapshotOptions): Promise<ExportSnapshotResult> {
  const { driver } = options;
  const pageSize = options.pageSize ?? 1000;
  const progress = options.onProgress ?? (() => undefined);
  const catalog = await loadCatalog(driver, options.schema, options.pgSchema ?? DEFAULT_PG_SCHEMA);
  await requireStorage(driver, catalog);
  const tables = [...catalog.tables.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const temporary = `${options.path}.${String(process.pid)}.partial`;
  const zip = new yazl.ZipFile();
  const output = createWriteStream(temporary);
  zip.outputStream.pipe(output);
  const written = finished(output);
  const counts: { table: string; documents: number }[] = [];
  try {
    zip.addBuffer(Buffer.from(README), "README.md");
    zip.addBuffer(Buffer.from(tables.map((table, i) => `${JSON.stringify({ name: table.name, id: 10_001 + i })}\n`).join("")), "_tables/documents.jsonl");
    await driver.transaction({ isolation: "repeatable read", readOnly: true }, async (tx) => {
      for (const table of tables) {
        zip.addBuffer(Buffer.from('"uniform"\n'), `${table.name}/generated_schema.jsonl`);
        const lines = new PassThrough();
        zip.addReadStream(lines, `${table.name}/documents.jsonl`);
        let count = 0;
        let after: DocumentRow | undefined;
        for (;;) {
          const { rows } = await tx.query<DocumentRow>(pageSql(table, pageSize, after !== undefined), after === undefined ? [] : [after._creation_time, after._id]);
          let chunk = "";
          for (const row of rows) chunk += `${toExportJson(decodeRow(row, table) as Value)}\n`;
          if (chunk !== "" && !lines.write(chunk)) await new Promise((resolve) => lines.once("drain", resolve));
          count += rows.length;
          if (rows.length < pageSize) break;
          after = rows[rows.length - 1];
          if (count % 10_000 === 0) progress(`exporting ${table.name}: ${count.toLocaleString("en-US")} documents`);
        }
        lines.end();
        counts.push({ table: table.name, documents: count });
        progress(`exported ${table.name}: ${count.toLocaleString("en-US")} documents`);
      }
    });
    zip.end();
    await written;
    await rename(temporary, options.path);
  } catch (error) {
    output.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
  return { tables: counts };
}

function pageSql(table: CatalogTable, limit: number, after: boolean): string {
  const where = after ? ` WHERE ("_creation_time", "_id") > ($1::double precision, $2::text COLLATE "C")` : "";
  return `SELECT ${rowSql(table).select} FROM ${table.sqlName}${where} ORDER BY "_creation_time", "_id" LIMIT ${String(limit)}`;
}

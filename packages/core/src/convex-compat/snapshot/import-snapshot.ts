import type { Driver, Queryable } from "../../driver/index.js";
import { prepareFields } from "../../db/documents.js";
import { FrameworkError } from "../../errors/framework-error.js";
import type { SchemaDefinition } from "../../schema/schema-definition.js";
import { checkDynamicTableName, createSchemalessTable, lockTableCreation } from "../../schema-sync/dynamic-table.js";
import type { Catalog, CatalogTable } from "../../storage/catalog.js";
import { dynamicCatalogTable } from "../../storage/dynamic-tables.js";
import { newCreationTime, newId, tableTag } from "../../storage/ids.js";
import { DEFAULT_PG_SCHEMA } from "../../storage/layout.js";
import { loadCatalog } from "../../storage/load-catalog.js";
import { rowSql } from "../../storage/row-sql.js";
import { requireStorage } from "../../storage/storage-check.js";
import { columnValues } from "../../db/documents.js";
import type { Value } from "../../values/value.js";
import { ExportJsonSyntaxError, parseExportJson } from "./export-json.js";
import { SnapshotImportError } from "./snapshot-error.js";
import { importedId } from "./snapshot-ids.js";
import { openSnapshot, SnapshotZipError, type SnapshotReader, type SnapshotTableEntry } from "./snapshot-zip.js";

/** Options of {@link importSnapshot}. */
export interface ImportSnapshotOptions {
  driver: Driver;
  /** The app's schema (an app without `schema.ts`: `schemalessSchema()`, every table is created as needed). */
  schema: SchemaDefinition;
  pgSchema?: string;
  /** The snapshot ZIP (Convex's export format). */
  path: string;
  /** Empty the snapshot's tables first; otherwise a table that holds documents is refused. */
  replace?: boolean;
  /** Documents per `INSERT` (default 500). */
  batchSize?: number;
  /** Progress lines ("imported messages: 1,000 documents"). */
  onProgress?: (message: string) => void;
}

/** What {@link importSnapshot} did. */
export interface ImportSnapshotResult {
  tables: { table: string; documents: number }[];
  /** Entries of the snapshot that were not imported (system tables such as `_storage`, components). */
  skipped: string[];
  /** How many `_id`s were not Convoy ids of their table and were given one (references rewritten). */
  rewrittenIds: number;
}

const PROGRESS_EVERY = 10_000;

/**
 * Loads a Convex snapshot (`npx convex export`, or `convoy export`) into the app's tables, in one
 * transaction: a failure anywhere (a malformed line, a document the schema refuses, a table
 * that holds documents without `replace`) throws a {@link SnapshotImportError} naming the table
 * and line, and nothing is written. The ZIP is read twice, streaming, never a whole table in
 * memory: first to collect the ids (old id → Convoy id, see snapshot-ids.ts; the one structure
 * that grows with the snapshot), then to insert the documents in batches, each string equal to
 * an imported id replaced by that document's new id. `_id` and `_creationTime` are kept (an
 * `_id` that is not a Convoy id of its table is rewritten). A table the schema lacks is refused,
 * unless the schema is not strict (an app without `schema.ts`), where it is created.
 */
export async function importSnapshot(options: ImportSnapshotOptions): Promise<ImportSnapshotResult> {
  const { driver, path } = options;
  const pgSchema = options.pgSchema ?? DEFAULT_PG_SCHEMA;
  const progress = options.onProgress ?? (() => undefined);
  const batchSize = options.batchSize ?? 500;
  const catalog = await loadCatalog(driver, options.schema, pgSchema);
  await requireStorage(driver, catalog);
  let reader: SnapshotReader;
  try {
    reader = await openSnapshot(path);
  } catch (error) {
    throw asImportError(error);
  }
  try {
    checkTables(reader, catalog);
    if (options.replace !== true) await refuseNonEmpty(driver, catalog, reader.tables);
    const ids = new Map<string, string>();
    const counts = new Map<string, number>();
    for (const entry of reader.tables) {
      let count = 0;
      for await (const { line, text } of linesOf(reader, entry)) {
        const document = parseDocument(entry.table, line, text);
        const { id, creationTime } = systemFields(entry.table, line, document);
        if (id !== undefined) {
          if (ids.has(id)) throw new SnapshotImportError("BAD_REQUEST", { table: entry.table, line, reason: `_id ${JSON.stringify(id)} appears twice in the snapshot` });
          ids.set(id, importedId(entry.table, id, creationTime ?? 0));
        }
        if (++count % PROGRESS_EVERY === 0) progress(`reading ${entry.table}: ${count.toLocaleString("en-US")} documents`);
      }
      counts.set(entry.table, count);
    }
    let rewrittenIds = 0;
    for (const [oldId, id] of ids) if (oldId !== id) rewrittenIds++;
    progress(`read ${String(reader.tables.length)} table${reader.tables.length === 1 ? "" : "s"}, ${[...counts.values()].reduce((a, b) => a + b, 0).toLocaleString("en-US")} documents; ${rewrittenIds.toLocaleString("en-US")} ids rewritten`);

    await driver.transaction({}, async (tx) => {
      for (const entry of reader.tables) {
        const table = await prepareTable(tx, catalog, entry.table, options.replace === true);
        const total = counts.get(entry.table)!;
        const batch = new Batch(tx, table, batchSize);
        let count = 0;
        for await (const { line, text } of linesOf(reader, entry)) {
          const document = rewriteIds(parseDocument(entry.table, line, text), ids) as Record<string, Value>;
          const { id, creationTime } = systemFields(entry.table, line, document);
          const fields: Record<string, Value | undefined> = { ...document };
          delete fields._id;
          delete fields._creationTime;
          let stored;
          try {
            stored = prepareFields(table, fields, catalog.schemaValidation);
          } catch (error) {
            if (error instanceof FrameworkError) throw new SnapshotImportError("SCHEMA_VALIDATION", { table: entry.table, line, reason: error.message.replace(/^table "[^"]*": /, "") });
            throw error;
          }
          await batch.add(id ?? newId(entry.table), creationTime ?? newCreationTime(), columnValues(table, stored));
          if (++count % PROGRESS_EVERY === 0) progress(`importing ${entry.table}: ${count.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} documents`);
        }
        await batch.flush();
        progress(`imported ${entry.table}: ${count.toLocaleString("en-US")} documents`);
      }
    });
    for (const skipped of reader.skipped) progress(`skipped ${skipped} (not imported: Convoy imports documents of user tables only)`);
    return { tables: reader.tables.map((entry) => ({ table: entry.table, documents: counts.get(entry.table)! })), skipped: [...reader.skipped], rewrittenIds };
  } finally {
    reader.close();
  }
}

function asImportError(error: unknown, table?: string): unknown {
  if (error instanceof SnapshotZipError) return new SnapshotImportError("BAD_REQUEST", { ...(table === undefined ? {} : { table }), reason: error.message });
  return error;
}

async function* linesOf(reader: SnapshotReader, entry: SnapshotTableEntry): AsyncIterable<{ line: number; text: string }> {
  try {
    yield* reader.lines(entry);
  } catch (error) {
    throw asImportError(error, entry.table);
  }
}

/** Every table of the snapshot is one the app has, or may create (a schema that is not strict). */
function checkTables(reader: SnapshotReader, catalog: Catalog): void {
  if (reader.tables.length === 0) throw new SnapshotImportError("BAD_REQUEST", { reason: "the ZIP holds no <table>/documents.jsonl: it is not a Convex snapshot" });
  const seen = new Set<string>();
  const tags = new Map<number, string>();
  for (const { table } of reader.tables) {
    if (seen.has(table)) throw new SnapshotImportError("BAD_REQUEST", { table, reason: "the ZIP holds its documents.jsonl twice" });
    seen.add(table);
    if (catalog.tables.has(table)) continue;
    if (catalog.strictTableNames) throw new SnapshotImportError("SCHEMA_VALIDATION", { table, reason: "the schema has no such table (add it to schema.ts first)" });
    try {
      checkDynamicTableName(table);
    } catch (error) {
      throw new SnapshotImportError("BAD_REQUEST", { table, reason: (error as Error).message });
    }
    const other = catalog.tablesByTag.get(tableTag(table))?.name ?? tags.get(tableTag(table));
    if (other !== undefined) throw new SnapshotImportError("BAD_REQUEST", { table, reason: `its ids would be indistinguishable from table "${other}"'s` });
    tags.set(tableTag(table), table);
  }
}

async function hasDocuments(q: Queryable, table: CatalogTable): Promise<boolean> {
  const { rows } = await q.query<{ some: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${table.sqlName}) AS some`);
  return rows[0]?.some === true;
}

function nonEmptyError(table: string): SnapshotImportError {
  return new SnapshotImportError("CONFLICT", { table, reason: "the table already holds documents (use --replace to replace them)" });
}

/** Refuses early (before reading the snapshot) when a table already holds documents; checked again in the transaction. */
async function refuseNonEmpty(driver: Driver, catalog: Catalog, entries: readonly SnapshotTableEntry[]): Promise<void> {
  for (const { table } of entries) {
    const existing = catalog.tables.get(table);
    if (existing !== undefined && (await hasDocuments(driver, existing))) throw nonEmptyError(table);
  }
}

/** The table to import into, in the import's transaction: created (not strict), emptied (`replace`) or checked empty. */
async function prepareTable(tx: Queryable, catalog: Catalog, name: string, replace: boolean): Promise<CatalogTable> {
  let table = catalog.tables.get(name);
  if (table === undefined) {
    await lockTableCreation(tx, catalog.pgSchema, name);
    await createSchemalessTable(tx, catalog.pgSchema, name);
    table = dynamicCatalogTable(catalog.pgSchema, name);
  }
  if (replace) await tx.query(`TRUNCATE ${table.sqlName}`);
  else if (await hasDocuments(tx, table)) throw nonEmptyError(name);
  return table;
}

function parseDocument(table: string, line: number, text: string): Record<string, Value> {
  let value: Value;
  try {
    value = parseExportJson(text);
  } catch (error) {
    if (error instanceof ExportJsonSyntaxError) throw new SnapshotImportError("BAD_REQUEST", { table, line, reason: `not JSON: ${error.message}` });
    throw error;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value) || value instanceof ArrayBuffer) {
    throw new SnapshotImportError("BAD_REQUEST", { table, line, reason: "each line must be one JSON object (a document)" });
  }
  return value as Record<string, Value>;
}

/** `_id` and `_creationTime` of a document (each may be absent: a new one is given); other `_` fields are refused. */
function systemFields(table: string, line: number, document: Record<string, Value>): { id: string | undefined; creationTime: number | undefined } {
  for (const key of Object.keys(document)) {
    if (key.startsWith("_") && key !== "_id" && key !== "_creationTime") throw new SnapshotImportError("BAD_REQUEST", { table, line, reason: `field "${key}": top-level names starting with "_" are reserved` });
  }
  const id = document._id;
  if (id !== undefined && (typeof id !== "string" || id === "")) throw new SnapshotImportError("BAD_REQUEST", { table, line, reason: "_id must be a non-empty string" });
  const time = document._creationTime;
  const creationTime = typeof time === "bigint" ? Number(time) : time;
  if (creationTime !== undefined && (typeof creationTime !== "number" || !Number.isFinite(creationTime) || creationTime < 0)) {
    throw new SnapshotImportError("BAD_REQUEST", { table, line, reason: "_creationTime must be a number of milliseconds since the epoch" });
  }
  return { id, creationTime };
}

/** The value with every string that is an imported `_id` replaced by its new id (the document's own `_id` too). */
function rewriteIds(value: Value, ids: ReadonlyMap<string, string>): Value {
  if (typeof value === "string") return ids.get(value) ?? value;
  if (value === null || typeof value !== "object" || value instanceof ArrayBuffer) return value;
  if (Array.isArray(value)) return value.map((element) => rewriteIds(element, ids));
  const out: Record<string, Value> = {};
  for (const key of Object.keys(value)) {
    const field = rewriteIds(value[key]!, ids);
    if (key === "__proto__") Object.defineProperty(out, key, { value: field, enumerable: true, writable: true, configurable: true });
    else out[key] = field;
  }
  return out;
}

/** Rows waiting to be inserted: one `INSERT … SELECT FROM jsonb_to_recordset` per batch. */
class Batch {
  private rows: { i: string; t: number; c: (string | null)[] }[] = [];
  constructor(
    private readonly tx: Queryable,
    private readonly table: CatalogTable,
    private readonly size: number,
  ) {}

  async add(id: string, creationTime: number, columns: (string | null)[]): Promise<void> {
    this.rows.push({ i: id, t: creationTime, c: columns });
    if (this.rows.length >= this.size) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    if (this.table.storage.fieldColumns.size > 0) {
      // promoted columns: one statement per row, through the table's own insert
      for (const row of rows) await this.tx.query(rowSql(this.table).insert, [row.i, row.t, ...row.c]);
      return;
    }
    const payload = `[${rows.map((row) => `{"i":${JSON.stringify(row.i)},"t":${JSON.stringify(row.t)},"d":${row.c[0]!}}`).join(",")}]`;
    await this.tx.query(
      `INSERT INTO ${this.table.sqlName} ("_id", "_creation_time", "data") SELECT r.i, r.t, r.d FROM jsonb_to_recordset($1::jsonb) AS r(i text, t double precision, d jsonb)`,
      [payload],
    );
  }
}

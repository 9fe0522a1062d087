import type { Queryable } from "../driver/index.js";
import type { SchemaJSON } from "../schema/schema-json.js";
import { decodeRow, type DocumentRow } from "../db/documents.js";
import { loadRecordedColumns } from "../storage/recorded-columns.js";
import { qualified, quoteIdent, quoteName } from "../storage/sql/identifiers.js";
import { DOCUMENT_STORAGE, ID_COLUMN, tableStorage } from "../storage/table-storage.js";
import { validateValue } from "../values/validate-value.js";
import { validatorFromJSON } from "../values/validator-from-json.js";
import type { CheckDocumentsStep } from "./plan-types.js";

/** One failing document: its id and the first problem found. */
export interface FailingDocument {
  id: string;
  message: string;
}

/** The outcome of checking one table's documents against its new validator. */
export interface DocumentCheck {
  table: string;
  /** Documents read. */
  checked: number;
  /** Documents that fail the new validator. */
  failing: number;
  /** The first few failing documents (at most `examples`). */
  examples: FailingDocument[];
}

/** Options of {@link checkDocuments}. */
export interface CheckDocumentsOptions {
  /** Documents read per query (default 1000): memory and statement time stay bounded on any table size. */
  batchSize?: number;
  /** Failing ids kept as examples (default 5). */
  examples?: number;
  /** Top-level fields that will be removed first (`--allow-drop`): ignored by the check. */
  dropFields?: readonly string[];
}

/**
 * Checks every existing document of a table against the code's validator, in keyset-ordered
 * batches by `_id`, with the very validator writes use (in JS, on the decoded document). Reads
 * only; each batch is its own short statement, so no long snapshot is held on a busy table.
 */
export async function checkDocuments(q: Queryable, pgSchema: string, schema: SchemaJSON, step: CheckDocumentsStep, options: CheckDocumentsOptions = {}): Promise<DocumentCheck> {
  const validator = validatorFromJSON(schema.tables[step.table]!.documentType);
  const batchSize = options.batchSize ?? 1000;
  const maxExamples = options.examples ?? 5;
  const drop = options.dropFields ?? [];
  const result: DocumentCheck = { table: step.table, checked: 0, failing: 0, examples: [] };
  const table = qualified(pgSchema, step.table);
  // the catalog's layout: the document column and any promoted column
  const recorded = (await loadRecordedColumns(q, pgSchema)).get(step.table);
  const stored = { storage: recorded === undefined ? DOCUMENT_STORAGE : tableStorage(recorded) };
  const select = stored.storage.columns.map(quoteName).join(", ");
  let after: string | null = null;
  for (;;) {
    const { rows }: { rows: DocumentRow[] } = await q.query<DocumentRow>(
      `SELECT ${select} FROM ${table}
       ${after === null ? "" : `WHERE ${quoteIdent(ID_COLUMN)} > $2`} ORDER BY ${quoteIdent(ID_COLUMN)} LIMIT $1`,
      after === null ? [batchSize] : [batchSize, after],
    );
    for (const row of rows) {
      result.checked++;
      let issue: string | null;
      try {
        // the user fields only: the validator describes them, not the system fields
        const document = Object.fromEntries(Object.entries(decodeRow(row, stored)).filter(([key]) => key !== "_id" && key !== "_creationTime" && !drop.includes(key)));
        issue = validateValue(validator, document, "document")?.message ?? null;
      } catch (error) {
        issue = `unreadable document: ${error instanceof Error ? error.message : String(error)}`;
      }
      if (issue !== null) {
        result.failing++;
        if (result.examples.length < maxExamples) result.examples.push({ id: row._id, message: issue });
      }
    }
    if (rows.length < batchSize) break;
    after = rows[rows.length - 1]!._id;
  }
  return result;
}

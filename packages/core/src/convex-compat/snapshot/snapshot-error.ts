import { FrameworkError } from "../../errors/framework-error.js";
import type { ErrorCode } from "../../errors/error-codes.js";

/** Where in a snapshot an import failed: the table, and the line of its `documents.jsonl` (if one). */
export interface SnapshotErrorData {
  table?: string;
  line?: number;
  reason: string;
}

/**
 * Why `convoy import` refused a snapshot; nothing was written. `SCHEMA_VALIDATION` for a
 * document the schema refuses, `CONFLICT` for a table that already holds documents (without
 * `--replace`), `BAD_REQUEST` for anything malformed. The message names the table and line.
 */
export class SnapshotImportError extends FrameworkError {
  override readonly name = "SnapshotImportError";
  declare readonly data: SnapshotErrorData;

  constructor(code: ErrorCode, data: SnapshotErrorData) {
    const where = data.table === undefined ? "" : data.line === undefined ? `table "${data.table}": ` : `table "${data.table}", line ${String(data.line)}: `;
    super(code, `import refused, nothing was written: ${where}${data.reason}`, { data });
  }
}

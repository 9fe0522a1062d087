import { FrameworkError } from "./framework-error.js";

/** The parts of a Postgres error report that Convoy keeps (SQLSTATE, detail, constraint…). */
export interface PostgresErrorFields {
  sqlState: string;
  detail?: string | undefined;
  hint?: string | undefined;
  constraint?: string | undefined;
  table?: string | undefined;
  column?: string | undefined;
  schema?: string | undefined;
}

/**
 * An error reported by Postgres. Keeps the SQLSTATE and the server's detail so callers can
 * branch on them (`40001` serialization failure, `23505` unique violation, …). Its code is
 * `INTERNAL`, except `TIMEOUT` for a statement cancelled by `statement_timeout` (57014).
 */
export class DatabaseError extends FrameworkError {
  override readonly name = "DatabaseError";
  readonly sqlState: string;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly constraint: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  readonly schema: string | undefined;

  constructor(message: string, fields: PostgresErrorFields, cause?: unknown) {
    // A statement ended by `statement_timeout` is the call running out of time, like its deadline.
    super(fields.sqlState === "57014" && /statement timeout/i.test(message) ? "TIMEOUT" : "INTERNAL", message, { cause });
    this.sqlState = fields.sqlState;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.constraint = fields.constraint;
    this.table = fields.table;
    this.column = fields.column;
    this.schema = fields.schema;
  }

  /** A serialization failure or deadlock: the transaction may succeed if retried. */
  get isRetryable(): boolean {
    return this.sqlState === "40001" || this.sqlState === "40P01";
  }
}

import { wireValue } from "../driver-utils.js";

/** `pg`'s per-pool type parsers, by OID (the driver passes its own, `convoyPgTypes`). */
export interface TypeParsers {
  getTypeParser(oid: number, format: "text" | "binary"): unknown;
}

/** One statement of a {@link Pipeline}: prepared under `name` when given (parsed once per connection). */
export interface PipelineStatement {
  name?: string | undefined;
  text: string;
  values: unknown[];
}

/** What one statement of a pipeline answered (as `pg` reports a result). */
export interface PipelineResult {
  command: string | undefined;
  rowCount: number | null;
  rows: Record<string, unknown>[];
}

/** The part of `pg`'s (untyped) protocol connection a pipeline writes to. */
interface ProtocolConnection {
  parsedStatements: Record<string, string>;
  stream: { cork?: () => void; uncork?: () => void };
  parse(config: { text: string; name?: string | undefined; types?: unknown }): void;
  bind(config: { portal?: string; statement?: string | undefined; values: readonly unknown[]; valueMapper?: (value: unknown) => unknown }): void;
  describe(config: { type: "P"; name: string }): void;
  execute(config: { portal: string }): void;
  sync(): void;
  sendCopyFail(message: string): void;
  on(event: "parseComplete", listener: () => void): void;
  removeListener(event: "parseComplete", listener: () => void): void;
}

interface FieldDescription {
  name: string;
  dataTypeID: number;
  format: "text" | "binary";
}

/** A statement of a failed pipeline: which one failed (0-based), for callers that must tell them apart. */
export type PipelineError = Error & { pipelineIndex?: number };

/**
 * Several statements in one round trip: each is parsed (unless already prepared on the
 * connection), bound and executed, and one `Sync` ends them all, so the server answers them
 * together. Submitted with `client.query(pipeline)` (`pg`'s submittable interface, as
 * `pg-cursor` uses). Like a single extended-protocol query, an error skips the statements after
 * it: the pipeline fails with the first error, `pipelineIndex` naming its statement. Inside an
 * explicit transaction (a pipeline may start with `BEGIN` and end with `COMMIT`) the
 * transaction is then aborted, as after any failed statement.
 */
export class Pipeline {
  /** Set by `pg` for its read timeout too; called once with the error or the results. */
  callback: (error: Error | null, results?: PipelineResult[]) => void;
  readonly results: PipelineResult[] = [];
  private index = 0;
  private fields: FieldDescription[] = [];
  private parsers: ((text: string) => unknown)[] = [];
  /** Statements whose `Parse` was sent, in order: the n-th `ParseComplete` is theirs. */
  private parsing: PipelineStatement[] = [];
  private connection: ProtocolConnection | undefined;
  private settled = false;
  private readonly onParseComplete = (): void => {
    const statement = this.parsing.shift();
    if (statement?.name !== undefined && this.connection !== undefined) this.connection.parsedStatements[statement.name] = statement.text;
  };

  constructor(
    private readonly statements: readonly PipelineStatement[],
    private readonly types: TypeParsers,
    callback: (error: Error | null, results?: PipelineResult[]) => void,
  ) {
    this.callback = callback;
    for (let i = 0; i < statements.length; i++) this.results.push({ command: undefined, rowCount: null, rows: [] });
  }

  /** Called by `pg` when the connection is free: writes every statement, then one `Sync`. */
  submit(connection: ProtocolConnection): null {
    this.connection = connection;
    connection.on("parseComplete", this.onParseComplete);
    connection.stream.cork?.();
    try {
      for (const statement of this.statements) {
        const { name } = statement;
        // (a statement named twice in one pipeline is parsed once)
        if (name === undefined || (connection.parsedStatements[name] !== statement.text && !this.parsing.some((other) => other.name === name))) {
          connection.parse({ text: statement.text, name });
          this.parsing.push(statement);
        }
        connection.bind({ statement: name, values: statement.values, valueMapper: wireValue });
        connection.describe({ type: "P", name: "" });
        connection.execute({ portal: "" });
      }
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  handleRowDescription(message: { fields: FieldDescription[] }): void {
    this.fields = message.fields;
    this.parsers = message.fields.map((field) => this.types.getTypeParser(field.dataTypeID, field.format) as (text: string) => unknown);
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    const row: Record<string, unknown> = {};
    const { fields, parsers } = this;
    for (let i = 0; i < fields.length; i++) {
      const text = message.fields[i];
      row[fields[i]!.name] = text === null || text === undefined ? null : parsers[i]!(text);
    }
    this.results[this.index]?.rows.push(row);
  }

  handleCommandComplete(message: { text: string }): void {
    const result = this.results[this.index];
    if (result !== undefined) {
      // "INSERT 0 1", "UPDATE 3", "SELECT 10", "BEGIN", "COMMIT", "ROLLBACK" …
      const { text } = message;
      const first = text.indexOf(" ");
      result.command = first === -1 ? text : text.slice(0, first);
      const count = Number(text.slice(text.lastIndexOf(" ") + 1));
      result.rowCount = first !== -1 && Number.isInteger(count) ? count : null;
    }
    this.next();
  }

  handleEmptyQuery(): void {
    this.next();
  }

  handleError(error: PipelineError): void {
    if (error.pipelineIndex === undefined && error instanceof Error) error.pipelineIndex = this.index;
    this.settle(error);
  }

  handleReadyForQuery(): void {
    this.settle(null);
  }

  handlePortalSuspended(): void {
    // Every portal runs to completion (no row limit is ever set).
  }

  handleCopyInResponse(connection: ProtocolConnection): void {
    connection.sendCopyFail("No source stream defined");
  }

  handleCopyData(): void {
    // no COPY statements are pipelined
  }

  private next(): void {
    this.index++;
    this.fields = [];
    this.parsers = [];
  }

  private settle(error: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    this.connection?.removeListener("parseComplete", this.onParseComplete);
    if (error === null) this.callback(null, this.results);
    else this.callback(error);
  }
}

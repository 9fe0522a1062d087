import { protocol, type PGlite } from "@electric-sql/pglite";
import { prepareParams, wireValue } from "../driver-utils.js";
import type { Row } from "../driver.js";
import { StatementNames } from "../statement-names.js";

const { serialize } = protocol;

/** One statement of a batch, with its parameters. */
export interface BatchStatement {
  sql: string;
  params?: readonly unknown[] | undefined;
}

/** What one statement answered. */
export interface BatchResult {
  command: string | undefined;
  /** The count of the command tag (`INSERT 0 3` → 3); 0 when it has none. */
  rowCount: number;
  rows: Row[];
}

/** Statements prepared on the session past which they are all deallocated (PGlite's session lives as long as the database). */
const MAX_PREPARED = 1000;

/** The parts of PGlite's backend messages a batch reads. */
interface Message {
  name: string;
  fields?: readonly ({ name: string; dataTypeID: number } | string | null)[];
  text?: string;
}

/**
 * Statements with parameters sent to PGlite in one `execProtocol` call: each statement's
 * `Parse` (once per session for a preparable text, under the name `StatementNames` gives it),
 * `Bind`, `Describe` and `Execute`, and a `Sync` after each segment. PGlite's own `query` makes
 * six calls into the WebAssembly backend per statement and parses it every time.
 *
 * As on a real server, a failed statement makes the backend skip the rest of its segment (an
 * open transaction is then aborted); later segments run. Values are parsed with the database's
 * own type parsers (`db.parsers`), as `query` does.
 */
export class ProtocolBatches {
  private readonly names = new StatementNames();
  /** Statement name → text, of the statements prepared on the session. */
  private readonly prepared = new Map<string, string>();

  constructor(private readonly db: PGlite) {}

  /** Runs the segments' statements; the result of each, in order. Throws the first error. */
  run(segments: readonly (readonly BatchStatement[])[]): Promise<BatchResult[]> {
    // Under PGlite's lock, which its own `query` and `exec` take: statements of one transaction
    // issued at once (`Promise.all` of two `get`s) go one call after the other, each built
    // knowing what the ones before prepared.
    return this.db.runExclusive(async () => {
      if (this.prepared.size > MAX_PREPARED) {
        await this.db.execProtocol(serialize.query("DEALLOCATE ALL"), { syncToFs: false });
        this.prepared.clear();
      }
      const messages: Uint8Array[] = [];
      /** Statements whose `Parse` was sent (named or not), in order: the n-th `ParseComplete` is theirs. */
      const parsing: Parsed[] = [];
      let count = 0;
      for (const [index, segment] of segments.entries()) {
        for (const { sql, params } of segment) {
          const name = this.names.nameFor(sql);
          if (name === undefined || (this.prepared.get(name) !== sql && !parsing.some((other) => other.name === name))) {
            messages.push(serialize.parse({ text: sql, ...(name === undefined ? {} : { name }) }));
            parsing.push({ name, text: sql, segment: index });
          }
          messages.push(
            serialize.bind({ ...(name === undefined ? {} : { statement: name }), values: prepareParams(params) as string[], valueMapper: wireValue as (value: unknown) => string | null }),
            serialize.describe({ type: "P", name: "" }),
            serialize.execute({}),
          );
          count++;
        }
        messages.push(serialize.sync());
      }
      const { messages: answers } = await this.db.execProtocol(Buffer.concat(messages), { syncToFs: false, throwOnError: false });
      return this.read(answers, parsing, count);
    });
  }

  private read(answers: readonly Message[], parsing: Parsed[], count: number): BatchResult[] {
    const results: BatchResult[] = [];
    let segment = 0;
    let current: BatchResult = { command: undefined, rowCount: 0, rows: [] };
    let columns: { name: string; oid: number; parse: Parser }[] = [];
    let failure: Error | undefined;
    for (const message of answers) {
      switch (message.name) {
        case "parseComplete": {
          const statement = parsing.shift();
          if (statement?.name !== undefined) this.prepared.set(statement.name, statement.text);
          break;
        }
        case "readyForQuery":
          // a segment that failed skipped the rest of its `Parse`s
          while (parsing[0]?.segment === segment) parsing.shift();
          segment++;
          break;
        case "rowDescription":
          columns = (message.fields as { name: string; dataTypeID: number }[]).map((field) => ({ name: field.name, oid: field.dataTypeID, parse: this.parserOf(field.dataTypeID) }));
          break;
        case "dataRow": {
          const row: Row = {};
          const values = message.fields as (string | null)[];
          for (let i = 0; i < columns.length; i++) {
            const text = values[i];
            const column = columns[i]!;
            row[column.name] = text === null || text === undefined ? null : column.parse(text, column.oid);
          }
          current.rows.push(row);
          break;
        }
        case "commandComplete":
        case "emptyQuery": {
          // "INSERT 0 1", "UPDATE 3", "SELECT 10", "BEGIN", "COMMIT", "ROLLBACK" …
          const parts = (message.text ?? "").split(" ");
          const last = Number(parts[parts.length - 1]);
          current.command = message.name === "emptyQuery" ? undefined : parts[0];
          current.rowCount = Number.isInteger(last) ? last : 0;
          results.push(current);
          current = { command: undefined, rowCount: 0, rows: [] };
          columns = [];
          break;
        }
        case "error":
          // (the statements after it in its segment were skipped)
          failure ??= message as unknown as Error;
          break;
      }
    }
    if (failure !== undefined) throw failure;
    if (results.length !== count) throw new Error(`PGlite answered ${String(results.length)} of ${String(count)} statements: ${answers.map((m) => m.name).join(", ")}`);
    return results;
  }

  private parserOf(oid: number): Parser {
    return (this.db.parsers[oid] as Parser | undefined) ?? identity;
  }
}

type Parser = (text: string, typeId: number) => unknown;

/** A statement whose `Parse` a batch sent, and the segment it is in. */
interface Parsed {
  name: string | undefined;
  text: string;
  segment: number;
}

const identity = (text: string): string => text;

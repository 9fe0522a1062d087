import { FrameworkError } from "../errors/framework-error.js";
import type { TransactionOptions } from "./driver.js";

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Convert one query parameter to what both `pg` and PGlite send the same way:
 * `undefined` → `null`, `bigint` → decimal string, plain objects and arrays → JSON text
 * (callers cast with `::jsonb`), `Uint8Array` unchanged (bytea); everything else unchanged.
 */
export function prepareParam(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "object" && value !== null && !(value instanceof Uint8Array)) {
    if (Array.isArray(value) || isPlainObject(value)) return JSON.stringify(value);
  }
  return value;
}

/** {@link prepareParam} over a parameter list. */
export function prepareParams(params: readonly unknown[] | undefined): unknown[] {
  return params === undefined ? [] : params.map(prepareParam);
}

/**
 * A parameter as both drivers put it on the wire (what `pg`'s `prepareValue` does for the types
 * the drivers pass): text, except bytes, which go in binary format.
 */
export function wireValue(value: unknown): unknown {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    case "object":
      if (value === null) return null;
      if (Buffer.isBuffer(value)) return value;
      if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      // `prepareParams` has already turned objects and arrays into JSON text
      return JSON.stringify(value);
    default:
      return null;
  }
}

const COUNTED_COMMANDS = new Set(["INSERT", "UPDATE", "DELETE", "MERGE"]);

/** Rows inserted, updated, deleted or merged by a statement; 0 for every other command. */
export function affectedRowCount(command: string | undefined, rowCount: number | null | undefined): number {
  return command !== undefined && COUNTED_COMMANDS.has(command) ? (rowCount ?? 0) : 0;
}

/** A statement text and its parameters. */
export interface BeginStatement {
  text: string;
  values: unknown[];
}

/**
 * The statements that open a transaction with these options (default: read committed, read
 * write): `BEGIN`, then at most one `SELECT set_config(…, true)` (what `SET LOCAL` does) for the
 * settings it needs, its values as parameters, so its text is one of a few constant strings a
 * driver can prepare once. A `SERIALIZABLE` transaction gets `enable_seqscan = off`: a
 * sequential scan takes a predicate lock on the whole table, so on a small table (where the
 * planner prefers one to an index lookup) every concurrent writer would conflict with it; index
 * scans lock only the index pages and rows they read (Postgres manual, "Serializable Isolation
 * Level"). Plans change, results do not. `statement_timeout` and `convoy.origin` (read by the
 * external-write triggers) follow when asked.
 */
export function beginStatements(options: TransactionOptions): BeginStatement[] {
  const isolation = options.isolation ?? "read committed";
  if (isolation !== "read committed" && isolation !== "repeatable read" && isolation !== "serializable") {
    throw new FrameworkError("INTERNAL", `unknown isolation level: ${String(isolation)}`);
  }
  const begin = `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()} ${options.readOnly === true ? "READ ONLY" : "READ WRITE"}`;
  const settings: string[] = [];
  const values: unknown[] = [];
  if (isolation === "serializable") settings.push("set_config('enable_seqscan', 'off', true)");
  const timeout = options.statementTimeoutMs;
  if (timeout !== undefined) {
    if (!Number.isSafeInteger(timeout) || timeout < 0) throw new FrameworkError("INTERNAL", `statementTimeoutMs must be a non-negative integer, got ${String(timeout)}`);
    values.push(String(timeout));
    settings.push(`set_config('statement_timeout', $${String(values.length)}, true)`);
  }
  if (options.origin !== undefined) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(options.origin)) throw new FrameworkError("INTERNAL", `origin must be 1-64 letters, digits, _ or -, got ${JSON.stringify(options.origin)}`);
    values.push(options.origin);
    settings.push(`set_config('convoy.origin', $${String(values.length)}, true)`);
  }
  const statements: BeginStatement[] = [{ text: begin, values: [] }];
  if (settings.length > 0) statements.push({ text: `SELECT ${settings.join(", ")}`, values });
  return statements;
}

/** Why a transaction with these options must not start (its signal aborted, its deadline passed), else `undefined`. */
export function abortReason(options: TransactionOptions): Error | undefined {
  if (options.signal?.aborted === true) return options.signal.reason as Error;
  return options.deadline?.expiredError;
}

/**
 * `promise`, or a rejection as soon as the options' `signal` aborts (with its reason) or their
 * `deadline` passes, whichever comes first. `promise` keeps running; its later outcome is ignored.
 */
export function untilAborted<T>(promise: Promise<T>, options: TransactionOptions): Promise<T> {
  const raced = options.deadline === undefined ? promise : options.deadline.untilExpired(promise);
  const { signal } = options;
  if (signal === undefined) return raced;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason as Error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    raced.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rethrows whatever `promise` rejected with, unchanged
        reject(error);
      },
    );
  });
}

const CHANNEL = /^[A-Za-z0-9_.:-]{1,63}$/;

/**
 * Check a `LISTEN`/`NOTIFY` channel name (1–63 characters from `A-Z a-z 0-9 _ . : -`) and
 * return it double-quoted, so its case is kept and it matches `pg_notify(name, …)` exactly.
 */
export function quoteChannel(channel: string): string {
  if (!CHANNEL.test(channel)) {
    throw new FrameworkError("INTERNAL", `invalid channel name ${JSON.stringify(channel)}: use 1-63 characters from A-Z a-z 0-9 _ . : -`);
  }
  return `"${channel}"`;
}

/** Hex-decode a `bytea` value in Postgres's `hex` output format (`\x0102…`). */
export function parseByteaHex(text: string): Uint8Array | undefined {
  if (!text.startsWith("\\x")) return undefined;
  return Buffer.from(text.slice(2), "hex");
}

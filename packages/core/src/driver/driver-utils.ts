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
 * The session-level settings a connection has on top of its defaults: `""` none, `"serializable
 * <origin>"` those of a mutation (`enable_seqscan = off`, `convoy.origin`), {@link UNKNOWN_SESSION}
 * after a failure. A driver keeps one per connection and passes it to {@link beginStatements}.
 */
export type SessionProfile = string;

/** The profile of a connection whose settings are not known (set again before they matter). */
export const UNKNOWN_SESSION: SessionProfile = "?";

/** Puts the settings a statement that may write relies on back to the connection's defaults. */
export const RESET_SESSION_SQL = "RESET ALL";

/** How a transaction with these options starts on a connection, and the profile it leaves once committed. */
export interface TransactionStart {
  statements: BeginStatement[];
  profile: SessionProfile;
}

/**
 * The statements that open a transaction with these options (default: read committed, read
 * write) on a connection whose session has `session.profile`: `BEGIN`, then what the transaction
 * needs of the session, its values as parameters, so each text is one of a few constant strings
 * a driver can prepare once.
 *
 * A `SERIALIZABLE` transaction gets `enable_seqscan = off`: a sequential scan takes a predicate
 * lock on the whole table, so on a small table (where the planner prefers one to an index
 * lookup) every concurrent writer would conflict with it; index scans lock only the index pages
 * and rows they read (Postgres manual, "Serializable Isolation Level"). Plans change, results do
 * not. A serializable transaction that writes sets it, and its `convoy.origin` (read by the
 * external-write triggers), for the session (`set_config(…, false)`, undone if it rolls back):
 * the next mutation on the connection then needs no statement for them. Any other transaction
 * that may write starts with `RESET ALL` on such a connection, and a driver does the same before
 * a statement that may write; read-only work runs under either (only plans differ).
 * `statement_timeout` is set for the transaction when it differs from the session's default.
 */
export function beginStatements(options: TransactionOptions, session: { profile: SessionProfile; statementTimeoutMs?: number | undefined }): TransactionStart {
  const isolation = options.isolation ?? "read committed";
  const writes = options.readOnly !== true;
  const begin = BEGIN_TEXTS.get(isolation);
  if (begin === undefined) throw new FrameworkError("INTERNAL", `unknown isolation level: ${isolation}`);
  const { origin, statementTimeoutMs: timeout } = options;
  if (origin !== undefined && !ORIGIN.test(origin)) throw new FrameworkError("INTERNAL", `origin must be 1-64 letters, digits, _ or -, got ${JSON.stringify(origin)}`);
  if (timeout !== undefined && (!Number.isSafeInteger(timeout) || timeout < 0)) {
    throw new FrameworkError("INTERNAL", `statementTimeoutMs must be a non-negative integer, got ${String(timeout)}`);
  }
  const serializable = isolation === "serializable";
  const statements: BeginStatement[] = [{ text: writes ? begin.readWrite : begin.readOnly, values: [] }];
  const settings: string[] = [];
  const values: unknown[] = [];
  const parameter = (value: unknown) => `$${String(values.push(value))}`;
  let profile = session.profile;
  if (writes) {
    const wanted = serializable ? `serializable ${origin ?? ""}` : "";
    if (wanted !== profile) {
      if (serializable) {
        settings.push("set_config('enable_seqscan', 'off', false)", `set_config('convoy.origin', ${parameter(origin ?? "")}, false)`);
      } else {
        statements.push({ text: RESET_SESSION_SQL, values: [] });
      }
      profile = wanted;
    }
  } else if (serializable && !profile.startsWith("serializable ")) {
    settings.push("set_config('enable_seqscan', 'off', true)");
  }
  if (timeout !== undefined && timeout !== session.statementTimeoutMs) settings.push(`set_config('statement_timeout', ${parameter(String(timeout))}, true)`);
  // the origin of a transaction the session profile does not cover (not a serializable write)
  if (origin !== undefined && !(writes && serializable)) settings.push(`set_config('convoy.origin', ${parameter(origin)}, true)`);
  if (settings.length > 0) statements.push({ text: `SELECT ${settings.join(", ")}`, values });
  return { statements, profile };
}

const ORIGIN = /^[A-Za-z0-9_-]{1,64}$/;

/** `BEGIN` of each isolation level, read-write and read-only. */
const BEGIN_TEXTS = new Map<string, { readWrite: string; readOnly: string }>(
  (["read committed", "repeatable read", "serializable"] as const).map((level) => [
    level,
    { readWrite: `BEGIN ISOLATION LEVEL ${level.toUpperCase()} READ WRITE`, readOnly: `BEGIN ISOLATION LEVEL ${level.toUpperCase()} READ ONLY` },
  ]),
);

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

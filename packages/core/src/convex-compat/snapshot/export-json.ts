import { FrameworkError } from "../../errors/framework-error.js";
import { encodeValue, decodeValue } from "../../values/encoding.js";
import { int64RangeReason } from "../../values/int64.js";
import type { Value } from "../../values/value.js";

/*
 * Convex's export JSON (`ValueFormat::ConvexExportJSON`, the lines of a snapshot's
 * `documents.jsonl`): lossless, and readable where it can be.
 * - int64: a bare JSON integer (`42`, `-9223372036854775808`);
 * - float64: a JSON number with a dot or an exponent (`1.0`, `-0.0`, `1e+21`); NaN and
 *   ±Infinity as `{"$float": "<base64 of the 8 little-endian bytes>"}`;
 * - bytes: `{"$bytes": "<base64>"}`;
 * - null, booleans, strings, arrays and objects as themselves.
 * Reading follows Convex's importer: a number without `.`/`e`/`E` that fits an int64 is an
 * int64, any other number a float64; an object whose first key starts with `$` is a value in
 * the wire encoding (`$integer`, `$float`, `$bytes`).
 */

/** A value as one line of Convex's export JSON. */
export function toExportJson(value: Value): string {
  return write(value);
}

function write(value: Value): string {
  switch (typeof value) {
    case "bigint":
      return value.toString();
    case "number": {
      if (!Number.isFinite(value)) return JSON.stringify(encodeValue(value));
      if (Object.is(value, -0)) return "-0.0";
      const text = JSON.stringify(value);
      return /[.eE]/.test(text) ? text : `${text}.0`;
    }
    case "string":
    case "boolean":
      return JSON.stringify(value);
    default:
      break;
  }
  if (value === null) return "null";
  if (value instanceof ArrayBuffer) return JSON.stringify(encodeValue(value));
  if (Array.isArray(value)) return `[${value.map(write).join(",")}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value)) {
    const field = value[key];
    if (field !== undefined) parts.push(`${JSON.stringify(key)}:${write(field)}`);
  }
  return `{${parts.join(",")}}`;
}

/** Why a line is not export JSON (the reader turns it into an error naming the table and line). */
export class ExportJsonSyntaxError extends Error {}

const MAX_DEPTH = 64;

/**
 * Parses one line of Convex's export JSON into a value, keeping what `JSON.parse` loses: the
 * difference between `1` (int64) and `1.0` (float64), and int64s beyond 2^53.
 */
export function parseExportJson(text: string): Value {
  const parser = new Parser(text);
  parser.space();
  const value = parser.value(0);
  parser.space();
  if (parser.at < text.length) parser.fail("unexpected text after the JSON value");
  return value;
}

class Parser {
  at = 0;
  constructor(private readonly text: string) {}

  fail(reason: string): never {
    throw new ExportJsonSyntaxError(`${reason} at column ${String(this.at + 1)}`);
  }

  space(): void {
    while (this.at < this.text.length && " \t\r\n".includes(this.text[this.at]!)) this.at++;
  }

  value(depth: number): Value {
    if (depth > MAX_DEPTH) this.fail(`nested more than ${String(MAX_DEPTH)} levels deep`);
    const c = this.text[this.at];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return this.string();
    if (c === "t") return this.word("true", true);
    if (c === "f") return this.word("false", false);
    if (c === "n") return this.word("null", null);
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    return this.fail(c === undefined ? "unexpected end of line" : `unexpected ${JSON.stringify(c)}`);
  }

  private word<T extends Value>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.at)) this.fail(`expected ${word}`);
    this.at += word.length;
    return value;
  }

  private number(): Value {
    const match = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.at, this.at + 400));
    if (match === null) this.fail("malformed number");
    this.at += match[0].length;
    if (match[1] === undefined && match[2] === undefined) {
      const integer = BigInt(match[0]);
      if (int64RangeReason(integer) === null) return integer;
    }
    return Number(match[0]);
  }

  string(): string {
    const start = this.at;
    this.at++;
    for (;;) {
      const c = this.text[this.at];
      if (c === undefined) this.fail("unterminated string");
      if (c === '"') break;
      this.at += c === "\\" ? 2 : 1;
    }
    this.at++;
    try {
      return JSON.parse(this.text.slice(start, this.at)) as string;
    } catch {
      return this.fail("malformed string");
    }
  }

  private array(depth: number): Value[] {
    this.at++;
    const out: Value[] = [];
    this.space();
    if (this.text[this.at] === "]") {
      this.at++;
      return out;
    }
    for (;;) {
      this.space();
      out.push(this.value(depth + 1));
      this.space();
      const c = this.text[this.at++];
      if (c === "]") return out;
      if (c !== ",") this.fail("expected , or ] in an array");
    }
  }

  private object(depth: number): Value {
    this.at++;
    const entries: [string, Value][] = [];
    this.space();
    if (this.text[this.at] === "}") {
      this.at++;
      return {};
    }
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') this.fail("expected a field name");
      const key = this.string();
      this.space();
      if (this.text[this.at++] !== ":") this.fail("expected : after a field name");
      this.space();
      entries.push([key, this.value(depth + 1)]);
      this.space();
      const c = this.text[this.at++];
      if (c === "}") break;
      if (c !== ",") this.fail("expected , or } in an object");
    }
    if (entries[0]![0].startsWith("$")) return this.tagged(entries);
    const out: Record<string, Value> = {};
    for (const [key, value] of entries) {
      if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
    }
    return out;
  }

  /** `{"$float": …}`, `{"$integer": …}`, `{"$bytes": …}`: the wire encoding of one value. */
  private tagged(entries: [string, Value][]): Value {
    const [key, body] = entries[0]!;
    if (entries.length !== 1 || typeof body !== "string") this.fail(`malformed ${key} value`);
    try {
      return decodeValue({ [key]: body });
    } catch (error) {
      return this.fail(error instanceof FrameworkError ? error.message : `malformed ${key} value`);
    }
  }
}

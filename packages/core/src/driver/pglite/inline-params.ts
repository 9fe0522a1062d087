import { prepareParams } from "../driver-utils.js";

/** The dollar-quote tag of inlined values: nothing inside it is special, whatever the session's settings. */
const TAG = "$convoy_v$";

/** A parameter as an SQL literal, or `undefined` when it cannot be one that reads back exactly. */
function literal(value: unknown): string | undefined {
  if (value === null) return "NULL";
  let text: string;
  if (typeof value === "string") text = value;
  // as the extended protocol sends them (`toString()`), so the server reads the same text
  else if (typeof value === "number" || typeof value === "boolean") text = String(value);
  else if (value instanceof Uint8Array) text = `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}`;
  else return undefined;
  // U+0000 would end the simple-protocol message early; the tag would end the literal
  if (text.includes("\u0000") || text.includes(TAG)) return undefined;
  return `${TAG}${text}${TAG}`;
}

/**
 * `sql` with its `$n` placeholders replaced by its parameters as literals (untyped, like
 * parameters: the statement's casts and columns type them), for the simple protocol, where
 * several statements go in one call. Placeholders inside quoted identifiers or strings are left
 * alone. `undefined` when a parameter cannot be inlined exactly (then send it with parameters).
 *
 * @example
 * inlineParams(`INSERT INTO "t" ("a", "b") VALUES ($1, $2::jsonb)`, ["x", { n: 1 }]);
 * // INSERT INTO "t" ("a", "b") VALUES ($convoy_v$x$convoy_v$, $convoy_v${"n":1}$convoy_v$::jsonb)
 */
export function inlineParams(sql: string, params: readonly unknown[] | undefined): string | undefined {
  const values = prepareParams(params).map(literal);
  if (values.includes(undefined)) return undefined;
  let out = "";
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const char = sql[i]!;
    if (quote !== null) {
      if (char === quote) quote = null;
      out += char;
      continue;
    }
    if (char === '"' || char === "'") {
      quote = char;
      out += char;
      continue;
    }
    const digits = char === "$" ? /^\d+/.exec(sql.slice(i + 1)) : null;
    if (digits === null) {
      out += char;
      continue;
    }
    const value = values[Number(digits[0]) - 1];
    if (value === undefined) return undefined;
    out += value;
    i += digits[0].length;
  }
  return out;
}

import { FrameworkError } from "../../errors/index.js";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Postgres truncates identifiers at 63 bytes; Convoy refuses rather than truncating silently. */
export const MAX_IDENTIFIER_LENGTH = 63;

/** Quotes a validated identifier for SQL (`"name"`). Only names matching `[A-Za-z_][A-Za-z0-9_]*` pass. */
export function quoteIdent(name: string): string {
  if (!IDENTIFIER.test(name) || name.length > MAX_IDENTIFIER_LENGTH) {
    throw new FrameworkError("INTERNAL", `invalid SQL identifier ${JSON.stringify(name)}`);
  }
  return `"${name}"`;
}

/** Quotes any column name for SQL (`"a""b"` for `a"b`); Postgres rejects what it cannot hold. */
export function quoteName(name: string): string {
  if (name === "" || name.includes("\u0000") || Buffer.byteLength(name) > MAX_IDENTIFIER_LENGTH) {
    throw new FrameworkError("INTERNAL", `invalid SQL column name ${JSON.stringify(name)}`);
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."name"`. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * A SQL string literal for any text (field names in index expressions, which cannot be
 * parameters): `'name'`, quotes doubled; an escape string (`E'…'`) when the text holds a
 * backslash, so the literal means the same whatever `standard_conforming_strings` is.
 */
export function literal(text: string): string {
  if (text.includes("\u0000")) throw new FrameworkError("INTERNAL", `a SQL literal cannot hold U+0000 (${JSON.stringify(text)})`);
  const quoted = text.replaceAll("'", "''");
  return text.includes("\\") ? `E'${quoted.replaceAll("\\", "\\\\")}'` : `'${quoted}'`;
}

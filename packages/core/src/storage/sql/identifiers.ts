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

/** `"schema"."name"`. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** A SQL string literal for a validated identifier-like value (field names in index expressions, which cannot be parameters). */
export function literal(name: string): string {
  if (!IDENTIFIER.test(name)) throw new FrameworkError("INTERNAL", `invalid name for a SQL literal ${JSON.stringify(name)}`);
  return `'${name}'`;
}

import type { Value } from "../values/value.js";
import { sortKey, sortKeyHex } from "./sort-key.js";

/** The value of a (possibly dotted) field path in a document; `undefined` when missing. */
export function fieldValue(document: Record<string, unknown>, fieldPath: string): Value | undefined {
  let current: unknown = document;
  for (const segment of fieldPath.split(".")) {
    if (current === null || typeof current !== "object" || Array.isArray(current) || current instanceof ArrayBuffer) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current as Value | undefined;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * The bytes of a tuple of values: the concatenation of their sort keys. Sort keys are
 * self-delimiting, so byte order of tuples is lexicographic order of the values.
 */
export function tupleKey(values: readonly (Value | undefined)[]): Uint8Array {
  return concat(values.map((value) => sortKey(value)));
}

/**
 * The full key of a document in an index: its fields, then `_creationTime`, then `_id`, in the
 * same order as the index in SQL. `fields` are the index's user fields (see Catalog).
 */
export function indexKey(document: Record<string, unknown>, fields: readonly string[]): Uint8Array {
  return tupleKey(indexKeyValues(document, fields));
}

/** {@link tupleKey} as hex, without the bytes (hex of a concatenation is the concatenation of the hexes). */
export function tupleKeyHex(values: readonly (Value | undefined)[]): string {
  let hex = "";
  for (const value of values) hex += sortKeyHex(value);
  return hex;
}

/** {@link indexKey} as hex, without the bytes. */
export function indexKeyHex(document: Record<string, unknown>, fields: readonly string[]): string {
  return tupleKeyHex(indexKeyValues(document, fields));
}

function indexKeyValues(document: Record<string, unknown>, fields: readonly string[]): (Value | undefined)[] {
  if (fields.length === 1 && fields[0] === "_id") return [document._id as string];
  const values = fields.filter((field) => field !== "_id").map((field) => fieldValue(document, field));
  return [...values, document._creationTime as number, document._id as string];
}

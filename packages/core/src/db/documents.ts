import { FrameworkError } from "../errors/index.js";
import type { CatalogTable } from "../storage/catalog.js";
import type { StoredTable } from "../storage/table-storage.js";
import { fieldValue } from "../storage/index-key.js";
import { sortKeyHex } from "../storage/sort-key.js";
import { fromStored, toStored, type StoredValue } from "../storage/stored-value.js";
import { checkValue } from "../values/check-value.js";
import { validateValue } from "../values/validate-value.js";
import { formatPath, type PathSegment } from "../values/validation-issue.js";
import type { Value } from "../values/value.js";

/** A document as ctx.db returns it: system fields first, then the user fields. */
export type Document = Record<string, unknown> & { _id: string; _creationTime: number };

/** A table row as the driver returns it: the columns of the table's storage layout. */
export interface DocumentRow {
  _id: string;
  _creation_time: number;
  [column: string]: unknown;
}

/**
 * Decodes a row into a document (fresh objects: the row is not shared with the result): the
 * fields of the document column, then those stored in columns of their own.
 */
export function decodeRow(row: DocumentRow, table: StoredTable): Document {
  const document: Document = { _id: row._id, _creationTime: row._creation_time };
  const { documentColumn, fieldColumns } = table.storage;
  decodeDocumentColumn(document, row[documentColumn] as StoredValue);
  if (fieldColumns.size > 0) {
    for (const [field, column] of fieldColumns) {
      const value = row[column] as StoredValue | undefined;
      if (value !== null && value !== undefined) setField(document, field, fromStored(value));
    }
  }
  return document;
}

function decodeDocumentColumn(document: Document, data: StoredValue): void {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return;
  const keys = Object.keys(data);
  if (keys.length === 1 && keys[0]!.startsWith("$")) {
    // Not a document's fields (user field names never start with "$"): a tagged scalar, or an
    // object that decodes as one; decode it as a whole, like any stored value.
    const fields = fromStored(data);
    if (fields !== null && typeof fields === "object" && !Array.isArray(fields) && !(fields instanceof ArrayBuffer)) {
      for (const key of Object.keys(fields)) setField(document, key, fields[key]);
    }
    return;
  }
  for (const key of keys) setField(document, key, fromStored((data as Record<string, StoredValue>)[key]!));
}

/**
 * The values of a row's writable columns (the table's columns after `_id` and
 * `_creation_time`, in order) for stored fields: the document column's JSON, then each
 * promoted column's JSON (`null` when the field is missing). Parameters of INSERT/UPDATE.
 */
export function columnValues(table: StoredTable, stored: StoredValue): (string | null)[] {
  const { fieldColumns } = table.storage;
  if (fieldColumns.size === 0) return [JSON.stringify(stored)];
  const rest: Record<string, StoredValue> = { ...(stored as Record<string, StoredValue>) };
  const values: (string | null)[] = [null];
  for (const field of fieldColumns.keys()) {
    const value = Object.hasOwn(rest, field) ? rest[field] : undefined;
    values.push(value === undefined ? null : JSON.stringify(value));
    Reflect.deleteProperty(rest, field);
  }
  values[0] = JSON.stringify(rest);
  return values;
}

function setField(document: Document, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(document, key, { value, enumerable: true, writable: true, configurable: true });
  else document[key] = value;
}

/**
 * Index name → full key (hex) of a document in every index of its table: exactly
 * `indexKeyHex(document, index.fields)` for each index, with the sort key of each field
 * (and of `_creationTime` and `_id`) computed once for all indexes (a key is the concatenation
 * of its parts' sort keys).
 */
export function indexKeysOf(table: CatalogTable, document: Record<string, unknown>): Record<string, string> {
  const keys: Record<string, string> = {};
  const parts = new Map<string, string>();
  const part = (field: string, value: () => unknown): string => {
    let hex = parts.get(field);
    if (hex === undefined) parts.set(field, (hex = sortKeyHex(value() as Value | undefined)));
    return hex;
  };
  let creationTimeHex: string | undefined;
  let idHex: string | undefined;
  const creationTime = () => (creationTimeHex ??= sortKeyHex(document._creationTime as number));
  const id = () => (idHex ??= sortKeyHex(document._id as string));
  for (const [name, index] of table.indexes) {
    const fields = index.fields;
    if (fields.length === 1 && fields[0] === "_id") {
      keys[name] = id();
      continue;
    }
    let key = "";
    for (const field of fields) if (field !== "_id") key += part(field, () => fieldValue(document, field));
    keys[name] = key + creationTime() + id();
  }
  return keys;
}

/**
 * Index keys computed when first read, then kept. A write record's keys are read only to
 * build a write set (a live query, another server), so a server without either never computes
 * them. `document` must not change afterwards: pass a private object (a decoded row, or
 * {@link storedDocument} of the stored fields).
 */
export function lazyIndexKeys(table: CatalogTable, document: () => Record<string, unknown>): () => Record<string, string> {
  let keys: Record<string, string> | undefined;
  return () => (keys ??= indexKeysOf(table, document()));
}

/** A document from its stored fields (as prepared by {@link prepareFields}) and its system fields: a fresh object. */
export function storedDocument(stored: StoredValue, id: string, creationTime: number): Document {
  const document: Document = { _id: id, _creationTime: creationTime };
  decodeDocumentColumn(document, stored);
  return document;
}

function schemaError(table: CatalogTable, message: string, path: readonly PathSegment[]): FrameworkError {
  const relative = formatPath("", path);
  return new FrameworkError("SCHEMA_VALIDATION", `table "${table.name}": ${message}`, relative === "" ? {} : { path: relative });
}

/**
 * Checks the user fields of a document about to be written and returns their storage form.
 * `SCHEMA_VALIDATION` (nothing is written) for a value Convoy cannot store, a document that does
 * not match the table's validator (when the schema validates), an id of the wrong table in a
 * `v.id(...)` field, or a string Postgres `jsonb` cannot hold.
 */
export function prepareFields(table: CatalogTable, fields: Record<string, Value | undefined>, schemaValidation: boolean): StoredValue {
  const issue = checkValue(fields, "document");
  if (issue !== null) throw schemaError(table, issue.message, issue.path);
  if (schemaValidation) {
    const schemaIssue = validateValue(table.validator, fields, "document");
    if (schemaIssue !== null) throw schemaError(table, `the document does not match the schema: ${schemaIssue.message}`, schemaIssue.path);
  }
  try {
    return toStored(fields, "document");
  } catch (error) {
    if (error instanceof FrameworkError) throw new FrameworkError("SCHEMA_VALIDATION", `table "${table.name}": ${error.message}`, error.path === undefined ? {} : { path: error.path.replace(/^document\.?/, "") });
    throw error;
  }
}


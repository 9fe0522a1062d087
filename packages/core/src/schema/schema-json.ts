import type { ValidatorJSON } from "../values/index.js";

/** One index of a table as plain JSON: user fields only (`_creationTime` and `_id` are implicit). */
export interface IndexJSON {
  name: string;
  fields: string[];
}

/** A table as plain JSON: its document validator, its indexes sorted by name, and its promoted columns. */
export interface TableJSON {
  documentType: ValidatorJSON;
  indexes: IndexJSON[];
  /** Top-level fields declared with `.columns()` (promoted to typed columns), sorted; absent when none, so older hashes are unchanged. */
  columns?: string[];
}

/**
 * The whole schema as plain JSON. This is what sync diffs and what the schema hash covers.
 * Tables are keyed by name; key order carries no meaning (the hash canonicalises it).
 */
export interface SchemaJSON {
  version: 1;
  schemaValidation: boolean;
  /** Present (`false`) only when tables outside the schema are allowed (created on first insert). */
  strictTableNameTypes?: false;
  tables: Record<string, TableJSON>;
}

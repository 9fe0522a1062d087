import type { Document } from "./documents.js";
import type { FilterNode } from "./filter-builder.js";

/**
 * A table's read rule as the engine applies it in one call: a filter expression compiled into
 * every statement's `WHERE` (the identity already bound), or a predicate run on each document.
 */
export type ReadRule = { kind: "filter"; node: FilterNode } | { kind: "predicate"; allows: (document: Document) => Promise<boolean> };

/**
 * The table rules of one call, as `ctx.db` enforces them (implemented by `rules/call-rules.ts`).
 * Absent for calls without rules (administrative calls, runtimes without `rules`).
 */
export interface DatabaseRules {
  /** The read rule of a table, or `undefined` when every document is readable. */
  readRule(table: string): ReadRule | undefined;
  /** Throws `FORBIDDEN` unless the insert rule allows `document` (with its new `_id` and `_creationTime`). */
  checkInsert(table: string, document: Document): Promise<void>;
  /** Throws `FORBIDDEN` unless the update rule allows replacing `oldDocument` with `newDocument`. */
  checkUpdate(table: string, oldDocument: Document, newDocument: Document): Promise<void>;
  /** Throws `FORBIDDEN` unless the delete rule allows deleting `document`. */
  checkDelete(table: string, document: Document): Promise<void>;
}

/** Set on a cached row once a filter read rule has been evaluated on it in this call. */
export const READ_ALLOWED = "_convoy_allowed";

/**
 * The lock a statement takes on an existing relation, in Postgres's own names (strongest lock
 * on a user table first). `none` for statements that touch no existing table.
 */
export type LockLevel = "none" | "ACCESS SHARE" | "ROW EXCLUSIVE" | "SHARE UPDATE EXCLUSIVE" | "SHARE" | "SHARE ROW EXCLUSIVE" | "ACCESS EXCLUSIVE";

/** What each lock level means for the application while it is held. */
export const LOCK_EFFECT: Record<LockLevel, string> = {
  none: "touches no existing table",
  "ACCESS SHARE": "reads and writes continue (a read)",
  "ROW EXCLUSIVE": "reads and writes continue (only the rows it changes are locked)",
  "SHARE UPDATE EXCLUSIVE": "reads and writes continue",
  SHARE: "reads continue, writes wait",
  "SHARE ROW EXCLUSIVE": "reads continue, writes wait (a brief catalog change)",
  "ACCESS EXCLUSIVE": "reads and writes wait",
};

/** One SQL statement of a plan, exactly as it runs. */
export interface SyncStatement {
  /** What it does, for people. */
  description: string;
  sql: string;
  params?: unknown[];
  /** The lock it takes and on what (e.g. `public.messages`). */
  lock: LockLevel;
  lockTarget?: string;
  /** `CONCURRENTLY` statements cannot run inside a transaction block. */
  concurrent: boolean;
  /** Run before a retry of this statement (drops the INVALID index a failed concurrent build leaves). */
  retryCleanup?: string;
}

interface StepBase {
  /** A one-line summary. */
  description: string;
  statements: SyncStatement[];
}

/** Convoy's own schema, tables and SQL functions (created once per database). */
export interface BookkeepingStep extends StepBase {
  kind: "bookkeeping";
}
/** A table in the code that the database lacks (or has but does not list as Convoy's). */
export interface CreateTableStep extends StepBase {
  kind: "create_table";
  table: string;
  /** `true` when the table exists with Convoy's columns and is only registered. */
  adopt: boolean;
}
/**
 * Generated key columns the table lacks (a new index's fields, or a table made before key
 * columns): added in one `ALTER TABLE`, which rewrites the table under ACCESS EXCLUSIVE.
 */
export interface AddKeyColumnsStep extends StepBase {
  kind: "add_key_columns";
  table: string;
  /** The field paths whose key columns are added. */
  paths: string[];
}
/** `--allow-drop` only: a key column no index of the code uses any more. */
export interface DropKeyColumnStep extends StepBase {
  kind: "drop_key_column";
  table: string;
  column: string;
}
/** An index in the code that the database lacks. */
export interface CreateIndexStep extends StepBase {
  kind: "create_index";
  table: string;
  index: string;
  fields: string[];
  concurrent: boolean;
}
/** An index left INVALID by a failed concurrent build: dropped and built again. */
export interface RebuildIndexStep extends StepBase {
  kind: "rebuild_invalid_index";
  table: string;
  index: string;
  fields: string[];
}
/** An index whose definition changed: the new one is built (under a temporary name) before the old one goes. */
export interface ReplaceIndexStep extends StepBase {
  kind: "replace_index";
  table: string;
  index: string;
  fields: string[];
  /** The old definition as Postgres reports it. */
  previous: string;
}
/** An index built by an earlier Convoy without a recorded definition, found to match: the definition is recorded. */
export interface RecordIndexStep extends StepBase {
  kind: "record_index";
  table: string;
  index: string;
}
/** A temporary index left by an interrupted replacement: a redundant copy, dropped. */
export interface DropLeftoverStep extends StepBase {
  kind: "drop_leftover_index";
  table: string;
  name: string;
}
/** A table's validator changed (or is unknown): existing documents are checked before anything is applied. */
export interface CheckDocumentsStep extends StepBase {
  kind: "check_documents";
  table: string;
  /** Why: the validator changed, or the database has no record of the previous one. */
  reason: "validator_changed" | "validator_unknown";
  /** Top-level fields removed from the validator (dropped from documents first with `--allow-drop`). */
  removedFields: string[];
}
/** `--allow-drop` only: removes a field from every document that has it. */
export interface DropFieldStep extends StepBase {
  kind: "drop_field";
  table: string;
  field: string;
}
/** `--allow-drop` only. */
export interface DropIndexStep extends StepBase {
  kind: "drop_index";
  table: string;
  index: string;
}
/** `--allow-drop` only. */
export interface DropTableStep extends StepBase {
  kind: "drop_table";
  table: string;
}
/** Records the schema (hash and JSON) the database now matches. Last step of every non-empty plan. */
export interface RecordSchemaStep extends StepBase {
  kind: "record_schema";
  hash: string;
}

/** One typed step of a sync plan. */
export type PlanStep =
  | BookkeepingStep
  | CreateTableStep
  | AddKeyColumnsStep
  | CreateIndexStep
  | RebuildIndexStep
  | ReplaceIndexStep
  | RecordIndexStep
  | DropLeftoverStep
  | CheckDocumentsStep
  | DropFieldStep
  | DropIndexStep
  | DropTableStep
  | DropKeyColumnStep
  | RecordSchemaStep;

/** Something in the database that the code no longer has, kept because drops are opt-in. */
export interface KeptItem {
  kind: "table" | "index" | "field" | "key_column";
  table: string;
  /** Index, field or column name (absent for a table). */
  name?: string;
}

/** What sync would do: typed steps in order, plus what it keeps. Empty `steps` = nothing pending. */
export interface SyncPlan {
  pgSchema: string;
  /** The code's schema hash (the effective one while promotions are pending, see `pendingPromotions`). */
  schemaHash: string;
  /** The hash recorded in the database (`null`: never synced). */
  databaseHash: string | null;
  steps: PlanStep[];
  kept: KeptItem[];
  /**
   * Fields the code declares in `.columns()` whose promotion is not switched yet: sync leaves
   * them to `convoy promote <table>.<field>` (and records the schema without them).
   */
  pendingPromotions?: { table: string; field: string }[];
}

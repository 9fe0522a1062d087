import type { LockLevel, SyncStatement } from "../schema-sync/plan-types.js";
import { RECORD_SCHEMA_SQL, recordSchemaParams, type RecordedSchema } from "../schema-sync/effective-schema.js";
import { indexNameFor } from "../storage/index-names.js";
import {
  addPromotedColumnSql,
  createPromotedIndexSql,
  promotedIndexName,
  promotionTriggerSql,
  PROMOTIONS_SQL,
  PROMOTIONS_TABLE,
  type PromotedColumnType,
  type PromotionState,
} from "../storage/promoted-column.js";
import { qualified, quoteIdent, quoteName } from "../storage/sql/identifiers.js";
import { CONVOY_SCHEMA } from "../storage/sql/sort-key-function.js";
import { DATA_COLUMN, keyColumnName } from "../storage/table-storage.js";
import { backfillBatchSql, verifySql } from "./promotion-sql.js";
import { reached } from "./states.js";
import type { PromotionTarget } from "./target.js";

/** The steps of `convoy promote` (and of `--finish`), in order. */
export type PromotionStepKind = "expand" | "backfill" | "index" | "verify" | "switch" | "finish";

/** One step of a promotion: the statements it runs (each with its lock) and the state it records. */
export interface PromotionStep {
  kind: PromotionStepKind;
  description: string;
  /** The state recorded in `convoy.promotions` when the step is done. */
  reaches: PromotionState;
  statements: SyncStatement[];
  /** Extra lines for people: how the step runs (batches, retries, PGlite's plain index builds). */
  notes: string[];
}

/** A promotion's plan: every step with the state it is at (`done` when a previous run recorded it). */
export interface PromotionPlan {
  target: PromotionTarget;
  /** The state recorded in `convoy.promotions` (`null`: not started). */
  state: PromotionState | null;
  /** The schema hash the switch records (what the steps are logged under). */
  schemaHash: string;
  steps: (PromotionStep & { done: boolean })[];
}

/** How the plan's statements run. */
export interface PlanOptions {
  /** Build and drop indexes `CONCURRENTLY` (real servers; PGlite cannot, so it builds them plainly). */
  concurrent: boolean;
  /** `lock_timeout` of each DDL statement, in ms. */
  lockTimeoutMs: number;
  /** Rows per backfill batch (at most), and how long a batch may hold its row locks (ms). */
  batchSize: number;
  maxBatchMs: number;
  /** The schema hash and JSON the switch records as the database's. */
  switchSchema: RecordedSchema;
  /** Promoted fields of the table already switched (their columns back the same indexes). */
  switched: ReadonlyMap<string, PromotedColumnType>;
}

function statement(description: string, sql: string, lock: LockLevel, lockTarget: string | undefined, options: { params?: unknown[]; concurrent?: boolean; retryCleanup?: string } = {}): SyncStatement {
  return {
    description,
    sql,
    lock,
    ...(lockTarget === undefined ? {} : { lockTarget }),
    concurrent: options.concurrent === true,
    ...(options.params === undefined ? {} : { params: options.params }),
    ...(options.retryCleanup === undefined ? {} : { retryCleanup: options.retryCleanup }),
  };
}

const setState = (target: PromotionTarget, state: PromotionState): SyncStatement =>
  statement(`record state '${state}'`, `UPDATE ${PROMOTIONS_TABLE} SET state = $4, updated_at = now() WHERE pg_schema = $1 AND table_name = $2 AND field = $3`, "ROW EXCLUSIVE", `${CONVOY_SCHEMA}.promotions`, {
    params: [target.pgSchema, target.table, target.field, state],
  });

/** The column-backed indexes of a promotion: each schema index that uses the field, with both names. */
export function promotedIndexes(target: PromotionTarget): { index: string; fields: string[]; name: string; keyName: string }[] {
  return target.indexes.map((index) => ({ index: index.name, fields: index.fields, name: promotedIndexName(target.table, index.name), keyName: indexNameFor(target.table, index.name) }));
}

/** The plan of `convoy promote <table>.<field>`: expand, backfill, index, verify, switch. */
export function planPromotion(target: PromotionTarget, state: PromotionState | null, options: PlanOptions): PromotionPlan {
  const where = `${target.pgSchema}.${target.table}`;
  const promotions = `${CONVOY_SCHEMA}.promotions`;
  const retries = `lock_timeout ${String(options.lockTimeoutMs)} ms, retried with growing pauses: it never queues the app's queries behind it for longer`;
  const [triggerFunction, ...triggerDdl] = promotionTriggerSql(target.pgSchema, target.table, target.field, target.type);
  const promoted = new Map([...options.switched, [target.field, target.type]]);
  const steps: PromotionStep[] = [
    {
      kind: "expand",
      description: `add the column ${quoteName(target.field)} ${target.type} to ${where} and the trigger that keeps it in step with the document`,
      reaches: "expanded",
      notes: [`one transaction; ${retries}`, "the ALTER TABLE is metadata-only (a nullable column without a default): no rewrite"],
      statements: [
        statement("the promotions bookkeeping table", PROMOTIONS_SQL, "none", undefined),
        statement(`add the nullable ${target.type} column`, addPromotedColumnSql(target.pgSchema, target.table, target.field, target.type), "ACCESS EXCLUSIVE", where),
        statement("the trigger function (typed column ↔ document field)", triggerFunction!, "none", undefined),
        ...triggerDdl.map((sql) => statement("the BEFORE INSERT OR UPDATE row trigger", sql, "SHARE ROW EXCLUSIVE", where)),
        statement(
          "record the promotion as 'expanded'",
          `INSERT INTO ${PROMOTIONS_TABLE} (pg_schema, table_name, field, column_type, state) VALUES ($1, $2, $3, $4, 'expanded') ON CONFLICT (pg_schema, table_name, field) DO NOTHING`,
          "ROW EXCLUSIVE",
          promotions,
          { params: [target.pgSchema, target.table, target.field, target.type] },
        ),
      ],
    },
    {
      kind: "backfill",
      description: `copy ${target.table}.${target.field} of every existing document into the column, in batches of up to ${String(options.batchSize)} rows by _id`,
      reaches: "backfilled",
      notes: [
        "each batch is its own short transaction that also records its progress (resumable after a kill)",
        "only the batch's rows are locked, for the batch; other rows' readers and writers never wait",
        `batches shrink when one holds its row locks longer than ${String(options.maxBatchMs)} ms (and grow back): a writer of a row in the batch waits about that long at most`,
      ],
      statements: [
        statement(`one batch and its progress ($1: last _id done, $2: up to ${String(options.batchSize)} rows)`, backfillBatchSql(target), "ROW EXCLUSIVE", where, {
          params: ["<last _id>", options.batchSize, target.pgSchema, target.table, target.field],
        }),
        setState(target, "backfilled"),
      ],
    },
    {
      kind: "index",
      description:
        target.indexes.length === 0
          ? "no index of the schema uses the field: nothing to build"
          : `build ${target.indexes.map((i) => i.name).join(", ")} on the column${options.concurrent ? " CONCURRENTLY" : ""}`,
      reaches: "indexed",
      notes: options.concurrent
        ? ["an INVALID index left by an interrupted build is dropped and built again"]
        : ["PGlite cannot build indexes CONCURRENTLY: plain CREATE INDEX, writes wait while it runs (one process uses an embedded database anyway)"],
      statements: [
        ...promotedIndexes(target).map((index) =>
          statement(
            `index ${index.index} on the column (${index.name})`,
            createPromotedIndexSql(target.pgSchema, target.table, { name: index.index, fields: index.fields }, promoted, { concurrently: options.concurrent }),
            options.concurrent ? "SHARE UPDATE EXCLUSIVE" : "SHARE",
            where,
            { concurrent: options.concurrent, retryCleanup: `DROP INDEX ${options.concurrent ? "CONCURRENTLY " : ""}IF EXISTS ${qualified(target.pgSchema, index.name)}` },
          ),
        ),
        setState(target, "indexed"),
      ],
    },
    {
      kind: "verify",
      description: "check the row count, no row whose column disagrees with its document, equal checksums of column and document, every new index valid",
      reaches: "verified",
      notes: ["reads only: a single scan of the table"],
      statements: [statement("counts and checksums", verifySql(target), "ACCESS SHARE", where), setState(target, "verified")],
    },
    {
      kind: "switch",
      description: `switch reads, index ranges, ordering and cursors of ${target.table}.${target.field} to the column; record schema ${options.switchSchema.hash.slice(0, 12)}`,
      reaches: "switched",
      notes: ["one transaction: servers load the switched catalog when they (re)start with this schema"],
      statements: [
        setState(target, "switched"),
        statement("record the schema hash and JSON (with this column)", RECORD_SCHEMA_SQL, "ROW EXCLUSIVE", `${CONVOY_SCHEMA}.meta`, { params: recordSchemaParams(options.switchSchema) }),
      ],
    },
  ];
  return { target, state, schemaHash: options.switchSchema.hash, steps: steps.map((step) => ({ ...step, done: reached(state, step.reaches) })) };
}

/**
 * The plan of `convoy promote --finish` (contract): drops the key-column indexes the switch made
 * unused (`CONCURRENTLY` on a real server), then the field's key column when no index uses it,
 * and records 'finished'.
 */
export function planFinish(target: PromotionTarget, state: PromotionState | null, options: Pick<PlanOptions, "concurrent" | "lockTimeoutMs" | "switchSchema">): PromotionPlan {
  const where = `${target.pgSchema}.${target.table}`;
  const keyColumn = keyColumnName(DATA_COLUMN, target.field);
  const step: PromotionStep = {
    kind: "finish",
    description: `drop what the switch of ${target.table}.${target.field} made unused: the key-column indexes ${target.indexes.map((i) => indexNameFor(target.table, i.name)).join(", ") || "(none)"} and the key column ${keyColumn}`,
    reaches: "finished",
    notes: [
      "servers started before the switch still read the key-column indexes: restart them on the switched schema first",
      `the DROP COLUMN is metadata-only (no rewrite); lock_timeout ${String(options.lockTimeoutMs)} ms, retried`,
      "the column, the trigger and the document field stay: the document stays whole",
    ],
    statements: [
      ...promotedIndexes(target).map((index) =>
        statement(
          `drop the key-column index ${index.keyName}`,
          `DROP INDEX ${options.concurrent ? "CONCURRENTLY " : ""}IF EXISTS ${qualified(target.pgSchema, index.keyName)}`,
          options.concurrent ? "SHARE UPDATE EXCLUSIVE" : "ACCESS EXCLUSIVE",
          where,
          { concurrent: options.concurrent },
        ),
      ),
      statement(`drop the key column ${keyColumn}`, `ALTER TABLE ${qualified(target.pgSchema, target.table)} DROP COLUMN IF EXISTS ${quoteIdent(keyColumn)}`, "ACCESS EXCLUSIVE", where),
      setState(target, "finished"),
    ],
  };
  return { target, state, schemaHash: options.switchSchema.hash, steps: [{ ...step, done: state === "finished" }] };
}

import { hostname } from "node:os";
import type { Queryable } from "../driver/index.js";
import { SYNC_LOG_TABLE } from "../storage/layout.js";
import { CONVOY_VERSION } from "../version.js";
import type { PromotionStep } from "./plan.js";
import type { PromotionTarget } from "./target.js";

/** The sync-log source of promotion steps. */
export const PROMOTE_LOG_SOURCE = "promote";

/** A step as the sync log stores it: a one-step plan (the shape `convoy sync --status` reads). */
function loggedPlan(target: PromotionTarget, schemaHash: string, step: PromotionStep): unknown {
  return {
    pgSchema: target.pgSchema,
    schemaHash,
    databaseHash: null,
    promotion: { table: target.table, field: target.field, type: target.type },
    steps: [{ kind: `promote_${step.kind}`, description: step.description, statements: step.statements }],
    kept: [],
  };
}

/** Records the start of a promotion step in `convoy.sync_log` (source `promote`); returns the entry's id. */
export async function startStepEntry(q: Queryable, target: PromotionTarget, schemaHash: string, step: PromotionStep): Promise<string> {
  const sql = step.statements.map((s) => `${s.sql};${s.params === undefined ? "" : ` -- params: ${JSON.stringify(s.params)}`}`).join("\n");
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO ${SYNC_LOG_TABLE} (source, schema_hash, plan, sql, started_at, outcome, convoy_version, host)
     VALUES ($1, $2, $3::jsonb, $4, clock_timestamp(), 'running', $5, $6) RETURNING id`,
    [PROMOTE_LOG_SOURCE, schemaHash, loggedPlan(target, schemaHash, step), sql, CONVOY_VERSION, hostname()],
  );
  return rows[0]!.id;
}

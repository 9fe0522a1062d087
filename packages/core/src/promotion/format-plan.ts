import { LOCK_EFFECT } from "../schema-sync/plan-types.js";
import type { FormatStyle } from "../schema-sync/format-plan.js";
import type { PromotionPlan } from "./plan.js";

const plain: FormatStyle = { bold: (t) => t, dim: (t) => t };
const MAX_PARAM_LENGTH = 120;

const elide = (param: unknown): unknown => (typeof param === "string" && param.length > MAX_PARAM_LENGTH ? `${param.slice(0, 60)}… (${String(param.length)} characters)` : param);

/**
 * A promotion plan for people: each step (done or pending) with how it runs, then every
 * statement's exact SQL with the lock it takes and what that lock means for the running app.
 */
export function formatPromotionPlan(plan: PromotionPlan, style: FormatStyle = plain): string {
  const { target } = plan;
  const lines = [
    `${style.bold(`promote ${target.table}.${target.field}`)} → column "${target.field}" ${target.type} on ${target.pgSchema}.${target.table} (state: ${plan.state ?? "not started"})`,
  ];
  plan.steps.forEach((step, i) => {
    lines.push(`  ${String(i + 1)}. ${step.kind}: ${step.description}${step.done ? style.dim(" (done)") : ""}`);
    for (const note of step.notes) lines.push(style.dim(`       ${note}`));
  });
  lines.push("", style.bold("SQL:"));
  plan.steps.forEach((step, i) => {
    for (const statement of step.statements) {
      const where = statement.lockTarget === undefined ? "" : ` on ${statement.lockTarget}`;
      lines.push(
        style.dim(`-- ${String(i + 1)}. ${step.kind}: ${statement.description}${step.done ? " (done)" : ""}`),
        style.dim(`-- lock: ${statement.lock}${where}: ${LOCK_EFFECT[statement.lock]}${statement.concurrent ? "; runs outside a transaction" : ""}`),
        `${statement.sql};${statement.params === undefined ? "" : style.dim(` -- params: ${JSON.stringify(statement.params.map(elide))}`)}`,
      );
    }
  });
  return lines.join("\n");
}

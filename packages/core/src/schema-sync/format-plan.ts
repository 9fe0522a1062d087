import type { DocumentCheck } from "./check-documents.js";
import { LOCK_EFFECT, type SyncPlan } from "./plan-types.js";
import type { SyncResult } from "./run-sync.js";

/** Styling hooks (the CLI passes its TTY-aware logger's). */
export interface FormatStyle {
  bold(text: string): string;
  dim(text: string): string;
}

const plain: FormatStyle = { bold: (t) => t, dim: (t) => t };

/**
 * A plan for people: a numbered summary, what is kept, then each step's exact SQL with the lock
 * it takes and what that lock means for the running app.
 */
export function formatPlan(plan: SyncPlan, style: FormatStyle = plain, options: { sql?: boolean } = {}): string {
  const lines: string[] = [];
  const hash = (h: string | null) => (h === null ? "none" : h.slice(0, 12));
  lines.push(`schema ${hash(plan.schemaHash)} (code) vs ${hash(plan.databaseHash)} (database), Postgres schema "${plan.pgSchema}"`);
  if (plan.steps.length === 0) lines.push("nothing to do: the database matches the schema");
  else {
    lines.push(style.bold(`${String(plan.steps.length)} step${plan.steps.length === 1 ? "" : "s"}:`));
    plan.steps.forEach((step, i) => lines.push(`  ${String(i + 1)}. ${step.description}`));
  }
  if (plan.kept.length > 0) {
    lines.push(
      `kept, not dropped: ${plan.kept.map((item) => (item.kind === "table" ? `table ${item.table}` : `${item.kind} ${item.table}.${item.name ?? ""}`)).join(", ")}` +
        style.dim(" (pass --allow-drop to drop them)"),
    );
  }
  if (options.sql !== false && plan.steps.some((step) => step.statements.length > 0)) {
    lines.push("", style.bold("SQL:"));
    plan.steps.forEach((step, i) => {
      for (const statement of step.statements) {
        const where = statement.lockTarget === undefined ? "" : ` on ${statement.lockTarget}`;
        lines.push(
          style.dim(`-- ${String(i + 1)}. ${statement.description}`),
          style.dim(`-- lock: ${statement.lock}${where}: ${LOCK_EFFECT[statement.lock]}${statement.concurrent ? "; runs outside a transaction" : ""}`),
          `${statement.sql};${statement.params === undefined ? "" : style.dim(` -- params: ${JSON.stringify(statement.params.map(elideParam))}`)}`,
        );
      }
    });
  }
  return lines.join("\n");
}

/** One line per declared promotion sync leaves pending, with the command that does it (in {@link formatResult} and {@link describeApplied}). */
export function formatPendingPromotions(plan: SyncPlan): string[] {
  return (plan.pendingPromotions ?? []).map(({ table, field }) => `promotion of ${table}.${field} pending (declared in .columns()): run \`convoy promote ${table}.${field}\``);
}

const MAX_PARAM_LENGTH = 120;

/** A long parameter (the schema JSON) shortened for people; the plan itself keeps it whole. */
function elideParam(param: unknown): unknown {
  if (typeof param !== "string" || param.length <= MAX_PARAM_LENGTH) return param;
  return `${param.slice(0, 60)}… (${String(param.length)} characters)`;
}

/** The data-check part of a result: ✔ when a table's documents all match, ✗ when some do not. */
export function formatChecks(checks: readonly DocumentCheck[]): string[] {
  return checks.map((check) => {
    if (check.failing === 0) return `✔ documents of ${check.table}: ${String(check.checked)} checked, all match the new validator`;
    const examples = check.examples.map((e) => `    ${e.id}: ${e.message}`).join("\n");
    return `✗ documents of ${check.table}: ${String(check.failing)} of ${String(check.checked)} do not match the new validator, e.g.\n${examples}`;
  });
}

/** A one-paragraph account of what a sync did. */
export function formatResult(result: SyncResult): string {
  const lines = [...formatChecks(result.checks), ...formatPendingPromotions(result.plan)];
  switch (result.outcome) {
    case "up-to-date":
      lines.push("the database is up to date");
      break;
    case "planned":
      lines.push("dry run: nothing was changed");
      break;
    case "pending":
      lines.push(`${String(result.plan.steps.length)} step(s) pending: run \`convoy sync\``);
      break;
    case "refused":
      lines.push(
        "refused: existing documents do not match the new validator, so the plan cannot apply; nothing was changed. Fix the documents (or the validator) and sync again, " +
          (result.plan.kept.some((k) => k.kind === "field") ? "pass --allow-drop to remove the fields the schema dropped, " : "") +
          "or pass --force to apply anyway",
      );
      break;
    case "applied":
      lines.push(`applied ${String(result.results.filter((r) => r.status === "applied").length)} step(s)${result.logId === undefined ? "" : ` (sync log #${result.logId})`}`);
      break;
    case "failed": {
      const failed = result.results.find((r) => r.status === "failed");
      lines.push(`failed${failed === undefined ? "" : ` at "${failed.step.description}"`}: ${result.error?.message ?? "unknown error"}`);
      break;
    }
  }
  return lines.join("\n");
}

function took(ms: number | undefined): string {
  if (ms === undefined) return "";
  return ms >= 1000 ? ` (${(ms / 1000).toFixed(1)} s)` : ` (${ms.toFixed(0)} ms)`;
}

/**
 * What an applied sync did, one past-tense line per step that ran ("created table messages",
 * "built index messages.by_author (2.1 s)"), plus the data checks: what `convoy dev` prints.
 */
export function describeApplied(result: SyncResult): string[] {
  const lines: string[] = [];
  for (const { step, status, durationMs } of result.results) {
    if (status !== "applied" || step.statements.length === 0) continue;
    switch (step.kind) {
      case "bookkeeping":
        lines.push("created Convoy's bookkeeping schema and SQL functions");
        break;
      case "create_table":
        lines.push(step.adopt ? `registered the existing table ${step.table}` : `created table ${step.table}`);
        break;
      case "create_index":
        lines.push(`built index ${step.table}.${step.index}${took(durationMs)}`);
        break;
      case "rebuild_invalid_index":
        lines.push(`rebuilt the invalid index ${step.table}.${step.index}${took(durationMs)}`);
        break;
      case "replace_index":
        lines.push(`rebuilt index ${step.table}.${step.index} with its new definition${took(durationMs)}`);
        break;
      case "record_schema":
        lines.push(`recorded schema ${step.hash.slice(0, 12)}`);
        break;
      default:
        lines.push(`${step.description}${took(durationMs)}`);
    }
  }
  lines.push(...formatPendingPromotions(result.plan));
  for (const check of result.checks) lines.push(`checked ${String(check.checked)} document${check.checked === 1 ? "" : "s"} of ${check.table} against the new schema`);
  return lines;
}

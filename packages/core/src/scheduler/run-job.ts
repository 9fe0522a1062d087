import { isDroppedConnectionError } from "../driver/errors.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { Runtime } from "../runtime/runtime.js";
import { isConvoyError } from "../values/convoy-error.js";
import { decodeValue } from "../values/encoding.js";
import { claimJob, finishJob, type JobRow } from "./job-store.js";

/** What became of one job a runner picked. */
export type JobOutcome = "success" | "failed" | "skipped" | "retry";

function errorText(error: unknown): string {
  if (isConvoyError(error)) return `${error.message}${error.data === undefined ? "" : ` ${JSON.stringify(error.data)}`}`;
  return error instanceof Error ? error.message : String(error);
}

/** Failures that say nothing about the job itself: it stays pending and runs on a later pass. */
function isTransient(error: unknown): boolean {
  return (error instanceof FrameworkError && (error.code === "CONFLICT" || error.code === "UNAVAILABLE")) || isDroppedConnectionError(error);
}

/**
 * Run one due job, unless another runner has it or it is no longer pending.
 *
 * A mutation runs exactly once: its job row moves from `pending` to `success` inside the
 * mutation's own transaction (claimed with `FOR UPDATE SKIP LOCKED`), so the state change and
 * the mutation's writes commit together or not at all; a mutation that throws leaves the row
 * pending and it is then marked `failed` (only from `pending`, so never over another runner's
 * success). An action runs at most once: its row is claimed `inProgress` (one statement, `SKIP
 * LOCKED`) before it starts, then marked `success` or `failed`. Scheduled functions run
 * anonymously and administratively (no identity, no table rules), as server-side code.
 */
export async function runJob(runtime: Runtime, job: JobRow): Promise<JobOutcome> {
  const now = () => runtime.scheduling.now();
  const args = decodeValue(job.args);
  const options = { allowInternal: true, identity: null, administrative: true } as const;
  if (job.kind === "action") {
    if (!(await claimJob(runtime.driver, job.id, "inProgress", now()))) return "skipped";
    try {
      await runtime.run("action", job.name, args, options);
    } catch (error) {
      await finishJob(runtime.driver, job.id, "inProgress", { state: "failed", error: errorText(error) }, now());
      return "failed";
    }
    await finishJob(runtime.driver, job.id, "inProgress", { state: "success" }, now());
    return "success";
  }
  let claimed = false;
  try {
    await runtime.run("mutation", job.name, args, {
      ...options,
      around: async (tx, invoke) => {
        claimed = await claimJob(tx, job.id, "success", now());
        return claimed ? invoke() : null;
      },
    });
    return claimed ? "success" : "skipped";
  } catch (error) {
    if (isTransient(error)) return "retry";
    const marked = await finishJob(runtime.driver, job.id, "pending", { state: "failed", error: errorText(error) }, now());
    return marked ? "failed" : "skipped";
  }
}

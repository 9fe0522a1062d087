import { claimDueCrons, nextCronTime, syncCrons } from "../crons/cron-store.js";
import type { Crons } from "../crons/cron-jobs.js";
import type { Runtime } from "../runtime/runtime.js";
import { dueJobs, nextDueTime, type JobRow } from "./job-store.js";
import { runJob, type JobOutcome } from "./run-job.js";

/** Options of {@link SchedulerRunner}. */
export interface SchedulerRunnerOptions {
  /** The runtime serving now (`convoy dev` swaps it on schema changes). */
  runtime: () => Runtime;
  /** Longest sleep between passes, in ms: how soon a job scheduled on another server is seen (default 1000). */
  pollIntervalMs?: number;
  /** Due jobs read per pass (default 64). */
  batchSize?: number;
  /** Jobs run at once by this runner (default 8). */
  concurrency?: number;
  /** Where errors of the loop go (a pass that failed is tried again after the poll interval). Default: `console.error`. */
  onError?: (error: unknown) => void;
}

/** Counts of one pass. */
export interface PassResult {
  /** Jobs this runner ran to an end (success or failure). */
  ran: number;
  /** Jobs another runner had, or that were no longer pending. */
  skipped: number;
  /** Jobs that failed for a reason that says nothing about them (a conflict, the database away): tried again later. */
  retried: number;
  /** Jobs made from cron ticks. */
  cronJobs: number;
}

/** The shortest sleep after a pass that ran nothing but found jobs held elsewhere (or retried): no busy loop. */
const BACKOFF_MS = 25;

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * The loop that runs due scheduled functions and cron ticks on one server. Several servers on
 * one database may each run one: every job and every tick is claimed in Postgres (see
 * `runJob` and `claimDueCrons`), so each runs on exactly one of them. The loop sleeps until the
 * earliest due job or tick (at most `pollIntervalMs`), and wakes at once when this process
 * schedules a job.
 *
 * @example
 * const runner = new SchedulerRunner({ runtime: () => runtime });
 * await runner.setCrons(crons);
 * runner.start();
 * // …
 * await runner.stop();
 */
export class SchedulerRunner {
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly onError: (error: unknown) => void;
  private crons: Crons | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private woken = false;
  private wake: (() => void) | undefined;
  private listening: { runtime: Runtime; stop: () => void } | undefined;

  constructor(private readonly options: SchedulerRunnerOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.batchSize = options.batchSize ?? 64;
    this.concurrency = options.concurrency ?? 8;
    this.onError =
      options.onError ??
      ((error: unknown) => {
        console.error("convoy: the scheduler failed a pass", error);
      });
  }

  /** Serve these cron jobs (the default export of `crons.ts`; `undefined`: none), recording them in the database. */
  async setCrons(crons: Crons | undefined): Promise<void> {
    const runtime = this.options.runtime();
    await syncCrons(runtime.driver, crons, runtime.registry, runtime.scheduling.now());
    this.crons = crons;
    this.poke();
  }

  /** Start the loop (no-op when running). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.loop();
  }

  /** Stop the loop; resolves once the jobs in flight have ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.poke();
    this.listening?.stop();
    this.listening = undefined;
    await this.running;
  }

  /**
   * One pass: turn due cron ticks into jobs, then run the jobs due now (a batch at most,
   * `concurrency` at a time).
   */
  async runDue(): Promise<PassResult> {
    const runtime = this.options.runtime();
    this.follow(runtime);
    const now = runtime.scheduling.now();
    const cronJobs = await claimDueCrons(runtime.driver, this.crons, runtime.registry, now);
    // Runners reading the same due jobs take them in different orders, so they rarely collide.
    const jobs = shuffle(await dueJobs(runtime.driver, now, this.batchSize));
    const result: PassResult = { ran: 0, skipped: 0, retried: 0, cronJobs };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length) {
        const job: JobRow = jobs[next++]!;
        const outcome: JobOutcome = await runJob(runtime, job).catch((error: unknown) => {
          this.onError(error);
          return "retry" as const;
        });
        if (outcome === "success" || outcome === "failed") result.ran++;
        else if (outcome === "skipped") result.skipped++;
        else result.retried++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, jobs.length) }, worker));
    return result;
  }

  /** Wake this runner when its runtime schedules a job (re-registered when the runtime changes). */
  private follow(runtime: Runtime): void {
    if (this.stopped || this.listening?.runtime === runtime) return;
    this.listening?.stop();
    this.listening = { runtime, stop: runtime.scheduling.listen(() => this.poke()) };
  }

  private poke(): void {
    this.woken = true;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      let full = false;
      let stalled = false;
      try {
        const result = await this.runDue();
        full = result.ran >= this.batchSize;
        stalled = result.ran === 0 && result.skipped + result.retried > 0;
      } catch (error) {
        this.onError(error);
      }
      if (this.stopped) break;
      if (full || this.woken) continue;
      const delay = await this.delay().catch(() => this.pollIntervalMs);
      await this.sleep(stalled ? Math.max(delay, BACKOFF_MS) : delay);
    }
  }

  /** How long to sleep: until the earliest pending job or cron tick, at most the poll interval. */
  private async delay(): Promise<number> {
    const runtime = this.options.runtime();
    const [job, tick] = await Promise.all([nextDueTime(runtime.driver), this.crons === undefined || this.crons.jobs.size === 0 ? null : nextCronTime(runtime.driver)]);
    const due = Math.min(job ?? Infinity, tick ?? Infinity);
    return Math.max(0, Math.min(this.pollIntervalMs, due - runtime.scheduling.now()));
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}

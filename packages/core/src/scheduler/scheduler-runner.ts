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

/** The shortest sleep after a pass that found due jobs it could not start (held elsewhere, retried, or running here): no busy loop. */
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
 * schedules a job. Up to `concurrency` jobs run at a time, each started as soon as a slot is
 * free (a slow job holds one slot, not the loop).
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
  /** Due jobs read by the last pass and not started yet (started as slots free up). */
  private queue: JobRow[] = [];
  /** Jobs running here, by id. */
  private readonly inFlight = new Map<string, Promise<void>>();

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
   * One pass, run to its end (what `convoyTest` drives): turn due cron ticks into jobs, then run
   * the jobs due now (a batch at most, `concurrency` at a time) and wait for them.
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
        const outcome = await this.attempt(runtime, jobs[next++]!);
        if (outcome === "success" || outcome === "failed") result.ran++;
        else if (outcome === "skipped") result.skipped++;
        else result.retried++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, jobs.length) }, worker));
    return result;
  }

  private attempt(runtime: Runtime, job: JobRow): Promise<JobOutcome> {
    return runJob(runtime, job).catch((error: unknown) => {
      this.onError(error);
      return "retry" as const;
    });
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

  /**
   * The loop's pass: claim due cron ticks, read the due jobs when a slot is free, and start as
   * many as there are free slots. Returns the time it read at.
   */
  private async pass(runtime: Runtime): Promise<number> {
    this.follow(runtime);
    const now = runtime.scheduling.now();
    await claimDueCrons(runtime.driver, this.crons, runtime.registry, now);
    if (this.inFlight.size < this.concurrency) {
      // Runners reading the same due jobs take them in different orders, so they rarely collide.
      this.queue = shuffle((await dueJobs(runtime.driver, now, this.batchSize)).filter((job) => !this.inFlight.has(job.id)));
      this.startQueued(runtime);
    }
    return now;
  }

  /** Start queued jobs while there are free slots; a finished job frees its slot at once. */
  private startQueued(runtime: Runtime): void {
    while (!this.stopped && this.inFlight.size < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      if (this.inFlight.has(job.id)) continue;
      const done = this.attempt(runtime, job).then((outcome) => {
        this.inFlight.delete(job.id);
        if (this.stopped) return;
        if (this.queue.length > 0) this.startQueued(runtime);
        // Read again once the batch is used up; after a job another runner held, not at once (that would spin).
        else if (outcome === "success" || outcome === "failed") this.poke();
        else setTimeout(() => this.poke(), BACKOFF_MS);
      });
      this.inFlight.set(job.id, done);
    }
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.woken = false;
      const runtime = this.options.runtime();
      let passedAt: number | undefined;
      try {
        passedAt = await this.pass(runtime);
      } catch (error) {
        this.onError(error);
      }
      if (this.stopped) break;
      if (this.woken) continue;
      await this.sleep(passedAt === undefined ? this.pollIntervalMs : await this.delay(runtime, passedAt).catch(() => this.pollIntervalMs));
    }
    await Promise.all(this.inFlight.values());
  }

  /** How long to sleep after a pass that read at `passedAt`: until the next job or tick due, at most the poll interval. */
  private async delay(runtime: Runtime, passedAt: number): Promise<number> {
    const full = this.inFlight.size >= this.concurrency;
    const cronsServed = this.crons !== undefined && this.crons.jobs.size > 0;
    // All slots busy: a job ending with nothing queued wakes the loop; only cron ticks need a timer.
    const [job, tick] = await Promise.all([full ? null : nextDueTime(runtime.driver, [...this.inFlight.keys()]), cronsServed ? nextCronTime(runtime.driver) : null]);
    const now = runtime.scheduling.now();
    // A job other than ours, due when the pass read and still pending, is held elsewhere (or was retried): back off.
    const jobWait = job === null ? Infinity : job <= passedAt ? BACKOFF_MS : job - now;
    const tickWait = tick === null ? Infinity : tick - now;
    return Math.max(0, Math.min(this.pollIntervalMs, jobWait, tickWait));
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

/**
 * What connects `ctx.scheduler` to the runners of one runtime: the clock that times jobs (a
 * test harness moves it) and a signal sent after a job was created, so a runner in this
 * process need not wait for its next poll. Runners on other servers find the job when they
 * poll.
 */
export class SchedulerSignals {
  private readonly listeners = new Set<(scheduledTime: number) => void>();

  constructor(
    /** Ms since the epoch, as jobs are timed. */
    readonly now: () => number = Date.now,
  ) {}

  /** Hear every job created through this runtime (after its mutation committed); returns a function that stops. */
  listen(listener: (scheduledTime: number) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** A job due at `scheduledTime` now exists. */
  notify(scheduledTime: number): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(scheduledTime);
      } catch {
        // a runner's wake-up must not fail the call that scheduled the job
      }
    }
  }
}

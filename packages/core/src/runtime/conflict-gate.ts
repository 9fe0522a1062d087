interface Waiter {
  exclusive: boolean;
  grant: () => void;
}

/**
 * A fair shared/exclusive gate over this process's mutation attempts. Ordinary attempts hold
 * it shared (no waiting unless an exclusive attempt is queued or running). An attempt that
 * already conflicted several times holds it exclusively: it waits for the attempts in flight,
 * and new ones wait behind it, so it runs alone and cannot be starved by this process's other
 * mutations (only another server's writes can still make it conflict).
 *
 * This matters because SERIALIZABLE conflicts are coarse on small tables (a sequential scan
 * or one shared index page locks more than the rows read), so under heavy contention most
 * concurrent attempts fail and a bounded retry budget alone would let unlucky calls run out.
 */
export class ConflictGate {
  private shared = 0;
  private exclusive = false;
  private readonly queue: Waiter[] = [];

  /** Run `fn` holding the gate (exclusively or shared). */
  async run<T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    await this.acquire(exclusive);
    try {
      return await fn();
    } finally {
      this.release(exclusive);
    }
  }

  private acquire(exclusive: boolean): Promise<void> | undefined {
    if (this.queue.length === 0 && !this.exclusive && (!exclusive || this.shared === 0)) {
      this.take(exclusive);
      return undefined;
    }
    return new Promise<void>((resolve) => {
      this.queue.push({ exclusive, grant: resolve });
    });
  }

  private take(exclusive: boolean): void {
    if (exclusive) this.exclusive = true;
    else this.shared++;
  }

  private release(exclusive: boolean): void {
    if (exclusive) this.exclusive = false;
    else this.shared--;
    // Grant waiters in order: one exclusive when nothing is held, or a run of shared ones.
    while (this.queue.length > 0 && !this.exclusive) {
      const next = this.queue[0]!;
      if (next.exclusive && this.shared > 0) break;
      this.queue.shift();
      this.take(next.exclusive);
      next.grant();
      if (next.exclusive) break;
    }
  }
}

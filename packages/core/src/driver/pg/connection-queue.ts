import type { PoolClient } from "pg";

/** How batches get and give back pooled connections. */
export interface PoolConnections {
  connect(): Promise<PoolClient>;
  /** Returns a connection to the pool; `broken`: discard it. */
  release(client: PoolClient, broken: boolean): void;
}

/** What {@link ConnectionQueue} needs: the pool, and what to do with a batch once a connection came. */
export interface ConnectionQueueOptions<T> extends PoolConnections {
  /** Most items one connection takes. */
  maxBatch: number;
  /** Sends `batch` on `client`, which it then releases. */
  send(client: PoolClient, batch: T[]): void;
}

/**
 * Work waiting for a pooled connection, sent in batches: each queued item asks the pool for a
 * connection, and the first connection to come takes every item queued by then (up to
 * `maxBatch`); one that finds the queue empty goes straight back. So nothing waits longer
 * than it would alone, and under load one round trip serves many items.
 */
export class ConnectionQueue<T extends { reject(error: unknown): void }> {
  private readonly waiting: T[] = [];
  /** Connection requests in flight. */
  private connecting = 0;

  constructor(private readonly options: ConnectionQueueOptions<T>) {}

  /** Queues `items` (`first`: ahead of the others, for work the server skipped) and asks for connections. */
  add(items: readonly T[], first = false): void {
    if (first) this.waiting.unshift(...items);
    else this.waiting.push(...items);
    while (this.connecting < this.waiting.length) {
      this.connecting++;
      this.options.connect().then(
        (client) => {
          this.connecting--;
          const batch = this.waiting.splice(0, this.options.maxBatch);
          if (batch.length === 0) this.options.release(client, false);
          else this.options.send(client, batch);
        },
        (error: unknown) => {
          this.connecting--;
          // the item whose request this was, as far as anyone can tell: the oldest waiting
          this.waiting.shift()?.reject(error);
        },
      );
    }
  }
}

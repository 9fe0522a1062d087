import type pg from "pg";
import type { PoolClient } from "pg";
import { isConnectionError, isServerReport } from "../errors.js";
import { Pipeline, type PipelineError, type PipelineResult, type PipelineStatement, type TypeParsers } from "./pipeline.js";

/** Most reads sent together on one connection (a slow one delays the answers of those after it). */
const MAX_BATCH = 8;

interface QueuedRead {
  statement: PipelineStatement;
  started: () => void;
  resolve: (result: PipelineResult) => void;
  reject: (error: unknown) => void;
}

/** How {@link ReadBatches} gets and gives back pooled connections. */
export interface BatchConnections {
  connect(): Promise<PoolClient>;
  /** Returns a connection to the pool; `broken`: discard it. */
  release(client: PoolClient, broken: boolean): void;
  types: TypeParsers;
}

/**
 * Read-only statements outside transactions, sent several at a time: each read asks the pool for
 * a connection, and the first connection to come sends every read queued by then (up to
 * {@link MAX_BATCH}) as one pipeline, in one write, answered in one round trip; a connection that
 * finds the queue empty goes straight back. The reads share the pipeline's implicit transaction,
 * and every one was queued before it was sent, so each still sees every commit made before it
 * was called (under `READ COMMITTED` each statement takes its own snapshot anyway).
 *
 * A server error fails its own read only: the reads before it have their rows, and those after
 * it, which the server skipped, are queued again. A lost connection fails every read of the batch.
 */
export class ReadBatches {
  private readonly queue: QueuedRead[] = [];
  /** Connection requests in flight for reads. */
  private connecting = 0;

  constructor(private readonly connections: BatchConnections) {}

  /** Runs `statement`; `started` is called right before it is sent. */
  run(statement: PipelineStatement, started: () => void): Promise<PipelineResult> {
    return new Promise<PipelineResult>((resolve, reject) => {
      this.queue.push({ statement, started, resolve, reject });
      this.pump();
    });
  }

  /** One connection request per queued read that has none yet. */
  private pump(): void {
    while (this.connecting < this.queue.length) {
      this.connecting++;
      this.connections.connect().then(
        (client) => {
          this.connecting--;
          this.send(client);
        },
        (error: unknown) => {
          this.connecting--;
          // the read whose request this was, as far as anyone can tell: the oldest waiting
          this.queue.shift()?.reject(error);
        },
      );
    }
  }

  private send(client: PoolClient): void {
    const batch = this.queue.splice(0, MAX_BATCH);
    if (batch.length === 0) {
      this.connections.release(client, false);
      return;
    }
    for (const read of batch) read.started();
    const pipeline = new Pipeline(
      batch.map((read) => read.statement),
      this.connections.types,
      (error, results) => {
        if (error === null) {
          this.connections.release(client, false);
          batch.forEach((read, i) => read.resolve(results![i]!));
          return;
        }
        const failed = (error as PipelineError).pipelineIndex;
        if (failed === undefined || !isServerReport(error) || isConnectionError(error)) {
          this.connections.release(client, true);
          for (const read of batch) read.reject(error);
          return;
        }
        this.connections.release(client, false);
        // the reads before the failed one ran; those after it were skipped: queue them again, first
        batch.slice(0, failed).forEach((read, i) => read.resolve(pipeline.results[i]!));
        batch[failed]?.reject(error);
        this.queue.unshift(...batch.slice(failed + 1));
        this.pump();
      },
    );
    void client.query(pipeline as unknown as pg.QueryConfig);
  }
}

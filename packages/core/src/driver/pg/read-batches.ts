import type pg from "pg";
import type { PoolClient } from "pg";
import { isConnectionError, isServerReport } from "../errors.js";
import { ConnectionQueue, type PoolConnections } from "./connection-queue.js";
import { Pipeline, type PipelineError, type PipelineResult, type PipelineStatement, type TypeParsers } from "./pipeline.js";

/** Most reads sent together on one connection (a slow one delays the answers of those after it). */
const MAX_BATCH = 8;

interface QueuedRead {
  statement: PipelineStatement;
  started: () => void;
  resolve: (result: PipelineResult) => void;
  reject: (error: unknown) => void;
}

/** The pool {@link ReadBatches} sends on, and the type parsers of its results. */
export interface BatchConnections extends PoolConnections {
  types: TypeParsers;
}

/**
 * Read-only statements outside transactions, sent several at a time: the first pooled
 * connection to come sends every read queued by then (up to {@link MAX_BATCH}, see
 * {@link ConnectionQueue}) as one pipeline, in one write, answered in one round trip. The reads
 * share the pipeline's implicit transaction, and every one was queued before it was sent, so
 * each still sees every commit made before it was called (under `READ COMMITTED` each statement
 * takes its own snapshot anyway).
 *
 * A server error fails its own read only: the reads before it have their rows, and those after
 * it, which the server skipped, are queued again. A lost connection fails every read of the batch.
 */
export class ReadBatches {
  private readonly queue: ConnectionQueue<QueuedRead>;

  constructor(private readonly connections: BatchConnections) {
    this.queue = new ConnectionQueue<QueuedRead>({ ...connections, maxBatch: MAX_BATCH, send: (client, batch) => this.send(client, batch) });
  }

  /** Runs `statement`; `started` is called right before it is sent. */
  run(statement: PipelineStatement, started: () => void): Promise<PipelineResult> {
    return new Promise<PipelineResult>((resolve, reject) => {
      this.queue.add([{ statement, started, resolve, reject }]);
    });
  }

  private send(client: PoolClient, batch: QueuedRead[]): void {
    const { connections } = this;
    for (const read of batch) read.started();
    const pipeline = new Pipeline(
      batch.map((read) => read.statement),
      connections.types,
      (error, results) => {
        if (error === null) {
          connections.release(client, false);
          batch.forEach((read, i) => read.resolve(results![i]!));
          return;
        }
        const failed = (error as PipelineError).pipelineIndex;
        if (failed === undefined || !isServerReport(error) || isConnectionError(error)) {
          connections.release(client, true);
          for (const read of batch) read.reject(error);
          return;
        }
        connections.release(client, false);
        // the reads before the failed one ran; those after it were skipped: queue them again, first
        batch.slice(0, failed).forEach((read, i) => read.resolve(pipeline.results[i]!));
        batch[failed]?.reject(error);
        this.queue.add(batch.slice(failed + 1), true);
      },
    );
    void client.query(pipeline as unknown as pg.QueryConfig);
  }
}

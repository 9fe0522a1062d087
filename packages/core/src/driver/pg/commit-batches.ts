import type pg from "pg";
import type { PoolClient } from "pg";
import type { TransactionOptions } from "../driver.js";
import { beginStatements, type SessionProfile, UNKNOWN_SESSION } from "../driver-utils.js";
import { abortedCommitError, commitOutcomeUnknownError, isConnectionError, isServerReport, normalizeDriverError } from "../errors.js";
import { ConnectionQueue } from "./connection-queue.js";
import type { BatchConnections } from "./read-batches.js";
import { Pipeline, type PipelineError, type PipelineResult, type PipelineStatement } from "./pipeline.js";

/** Most transactions committed together on one connection. */
const MAX_BATCH = 8;

/** A transaction that sent nothing before its commit: its writes, waiting for a connection. */
interface QueuedCommit {
  options: TransactionOptions;
  writes: PipelineStatement[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** How {@link CommitBatches} gets connections, prepares statements and tracks sessions. */
export interface CommitConnections extends BatchConnections {
  /** The statement as sent: named (prepared) when its text is preparable. */
  statement(text: string, values: unknown[]): PipelineStatement;
  /** A connection's session settings (see `beginStatements`). */
  profile(client: PoolClient): SessionProfile;
  setProfile(client: PoolClient, profile: SessionProfile): void;
  statementTimeoutMs: number | undefined;
}

/**
 * Transactions whose every statement waits for their commit (an insert-only mutation: `BEGIN`,
 * its settings, its deferred writes and `COMMIT` all go in one round trip) committed several
 * at a time: the first pooled connection to come sends every such transaction queued by then
 * (up to {@link MAX_BATCH}, see {@link ConnectionQueue}) one after the other in one pipeline:
 * one write, one round trip, one `Sync`. Each transaction is still its own `BEGIN` … `COMMIT`
 * on the server, begun after the one before it committed.
 *
 * A server error fails its own transaction only (rolled back, as alone): those before it
 * committed, those after it, which the server skipped, are queued again; so does the server's
 * report that it is closing the connection (its transaction's outcome is unknown only if the
 * report came at its `COMMIT`). A connection lost without a report makes every transaction of
 * the batch whose `COMMIT` was not answered `commitOutcome: "unknown"`, as for a transaction
 * alone.
 */
export class CommitBatches {
  private readonly queue: ConnectionQueue<QueuedCommit>;

  constructor(private readonly connections: CommitConnections) {
    this.queue = new ConnectionQueue<QueuedCommit>({ ...connections, maxBatch: MAX_BATCH, send: (client, batch) => this.send(client, batch) });
  }

  /** Commits a transaction made of `writes` alone; rejects as `transaction()` would. */
  commit(options: TransactionOptions, writes: PipelineStatement[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // a connection that could not be had is `UNAVAILABLE` (what else reaches here is normalised already)
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a normalised driver error, as `transaction()` throws
      this.queue.add([{ options, writes, resolve, reject: (error) => reject(normalizeDriverError(error)) }]);
    });
  }

  private send(client: PoolClient, batch: QueuedCommit[]): void {
    const { connections } = this;
    const statements: PipelineStatement[] = [];
    /** Index of each transaction's `COMMIT` in `statements`. */
    const commits: number[] = [];
    let profile = connections.profile(client);
    for (const transaction of batch) {
      // (the options were checked when the transaction started)
      const start = beginStatements(transaction.options, { profile, statementTimeoutMs: connections.statementTimeoutMs });
      for (const { text, values } of start.statements) statements.push(connections.statement(text, values));
      statements.push(...transaction.writes);
      commits.push(statements.length);
      statements.push({ text: "COMMIT", values: [] });
      profile = start.profile;
    }
    connections.setProfile(client, UNKNOWN_SESSION);
    const pipeline = new Pipeline(statements, connections.types, (error, results) => {
      const settle = (i: number, outcome: PipelineResult | undefined): void => {
        const transaction = batch[i]!;
        if (outcome?.command === "ROLLBACK") transaction.reject(abortedCommitError());
        else transaction.resolve();
      };
      if (error === null) {
        connections.setProfile(client, profile);
        connections.release(client, false);
        commits.forEach((at, i) => settle(i, results![at]));
        return;
      }
      const failedAt = (error as PipelineError).pipelineIndex;
      if (failedAt === undefined || !isServerReport(error)) {
        // no report from the server (the socket closed, no answer in time): any unanswered COMMIT may have run
        connections.release(client, true);
        commits.forEach((at, i) => {
          if (pipeline.results[at]?.command === "COMMIT") settle(i, pipeline.results[at]);
          else {
            const normalized = normalizeDriverError(error);
            batch[i]!.reject(isConnectionError(normalized) ? commitOutcomeUnknownError(error) : normalized);
          }
        });
        return;
      }
      // The server reported an error at `failedAt` (a statement's, or a FATAL as it closed the
      // connection): what came before it ran, what came after it did not.
      const failed = commits.findIndex((at) => at >= failedAt);
      const lost = isConnectionError(error);
      commits.forEach((at, i) => {
        if (i < failed || failed === -1) settle(i, pipeline.results[at]);
      });
      if (failed === -1) {
        // reported after every COMMIT was answered (a backend terminated right after the batch)
        connections.release(client, lost);
        return;
      }
      batch[failed]!.reject(lost && failedAt === commits[failed] ? commitOutcomeUnknownError(error) : normalizeDriverError(error));
      // skipped by the server: queued again, first
      this.queue.add(batch.slice(failed + 1), true);
      if (lost) {
        connections.release(client, true);
        return;
      }
      // a statement before COMMIT failed: the transaction block is open and aborted
      const rollback = failedAt < commits[failed]! ? client.query("ROLLBACK") : Promise.resolve();
      rollback.then(
        () => connections.release(client, false),
        () => connections.release(client, true),
      );
    });
    void client.query(pipeline as unknown as pg.QueryConfig);
  }
}

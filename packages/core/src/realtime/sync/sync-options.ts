import type { HttpLogger, TokenVerifier } from "../../http/handler-options.js";
import type { MutationAnswer, SyncSession } from "./sync-session.js";
import type { FrameBatch } from "./frame-batch.js";
import type { TransitionFrames } from "./transition-frames.js";

/** Limits of `/api/sync` sockets. */
export interface SyncLimits {
  /** Largest client frame in bytes (default 1 MiB; larger closes the socket with 1009). */
  maxFrameBytes?: number;
  /** Subscriptions per socket (default 1000; more closes it with 4429). */
  maxSubscriptions?: number;
  /** Requests (mutations, one-shot queries) in flight per socket (default 64; more closes it with 4429). */
  maxInFlight?: number;
  /** Interval of the server's pings in ms (default 30 000); a socket silent for twice that is closed with 4408. */
  heartbeatMs?: number;
  /** Bytes a socket may have unsent before its transitions are coalesced (default 1 MiB). */
  maxBufferedBytes?: number;
}

/** What a {@link SyncSession} needs, with defaults filled in. @internal */
export interface ResolvedSyncOptions {
  maxFrameBytes: number;
  maxSubscriptions: number;
  maxInFlight: number;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  maxBufferedBytes: number;
  maxDepth: number;
  maxArrayLength: number;
  verifyToken: TokenVerifier | undefined;
  logger: HttpLogger;
  frames: TransitionFrames;
  /** Every socket's writes, batched per event-loop turn. */
  batch: FrameBatch;
  /** Mutation answers by `sessionId + requestId`, shared by the server's sockets (bounded). */
  requests: RequestMemory;
  onClose: (session: SyncSession) => void;
}

/** The last answers of mutations by session and request id, oldest evicted first. @internal */
export class RequestMemory {
  private readonly answers = new Map<string, Promise<MutationAnswer>>();

  constructor(private readonly capacity = 10_000) {}

  get(key: string): Promise<MutationAnswer> | undefined {
    return this.answers.get(key);
  }

  /** Forget `key` if it still holds `answer`. */
  delete(key: string, answer: Promise<MutationAnswer>): void {
    if (this.answers.get(key) === answer) this.answers.delete(key);
  }

  set(key: string, answer: Promise<MutationAnswer>): void {
    this.answers.set(key, answer);
    if (this.answers.size > this.capacity) this.answers.delete(this.answers.keys().next().value!);
  }
}

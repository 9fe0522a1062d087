import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { CLOSE, closeReason } from "./close-codes.js";
import type { FrameBatch, SocketOutbox } from "./frame-batch.js";

/** What every sync socket needs from its server. */
export interface SocketSessionOptions {
  batch: FrameBatch;
  heartbeatTimeoutMs: number;
  /** Unsent bytes past which the socket counts as slow (its frames are held and coalesced). */
  maxBufferedBytes: number;
}

/**
 * The socket lifecycle shared by Convoy's `/api/sync` and Convex's sync sessions: text frames
 * in, heartbeat, close and dispose, an outbox, and the flush timer of a slow socket. Each
 * protocol's session parses and answers its own messages.
 */
export abstract class SocketSession {
  protected closed = false;
  protected readonly outbox: SocketOutbox;
  private lastSeen = Date.now();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    protected readonly socket: WebSocket,
    tcp: Duplex,
    private readonly lifecycle: SocketSessionOptions,
  ) {
    this.outbox = lifecycle.batch.outbox(socket, tcp);
    socket.on("message", (data, isBinary) => {
      this.lastSeen = Date.now();
      if (isBinary) return this.violation("binary frames are not part of the protocol");
      this.receive(Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8"));
    });
    socket.on("pong", () => {
      this.lastSeen = Date.now();
    });
    socket.on("close", () => this.dispose());
    socket.on("error", () => this.dispose());
  }

  /** Heartbeat tick: close a silent socket with 4408, else ping it. */
  heartbeat(now: number): void {
    if (this.closed) return;
    if (now - this.lastSeen > this.lifecycle.heartbeatTimeoutMs) return this.close(CLOSE.heartbeat, "heartbeat timeout");
    this.socket.ping();
    this.pinged();
  }

  /** Close the socket (and drop its subscriptions). */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.dispose();
    this.socket.close(code, closeReason(reason));
  }

  /** One text frame from the client. */
  protected abstract receive(text: string): void;

  /** A frame that breaks the protocol: answer as the protocol says, and close with 4400. */
  protected abstract violation(reason: string): void;

  /** After a heartbeat's WebSocket ping: a protocol's own ping, if it has one. */
  protected pinged(): void {}

  /** Once, when the socket closes or fails: release what the session holds. */
  protected abstract released(): void;

  /** Write what the slow socket held, once it drains. */
  protected abstract flushHeld(): void;

  /** Whether the socket's unsent bytes are over the limit. */
  protected get slow(): boolean {
    return this.socket.bufferedAmount > this.lifecycle.maxBufferedBytes;
  }

  /** Call {@link flushHeld} once the socket's unsent bytes are back under the limit. */
  protected scheduleFlush(): void {
    if (this.flushTimer !== undefined || this.closed) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.closed) return;
      if (this.slow) return this.scheduleFlush();
      this.flushHeld();
    }, 10);
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.outbox.clear();
    clearTimeout(this.flushTimer);
    this.released();
  }
}

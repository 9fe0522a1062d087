import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { HttpLogger } from "../../http/handler-options.js";
import { CLOSE, closeReason } from "./close-codes.js";
import type { FrameBatch, SocketOutbox } from "./frame-batch.js";
import { ProtocolViolation } from "./protocol-fields.js";

/** What every sync socket needs from its server. */
export interface SocketSessionOptions {
  batch: FrameBatch;
  heartbeatTimeoutMs: number;
  /** Unsent bytes past which the socket counts as slow (its frames are held and coalesced). */
  maxBufferedBytes: number;
  logger: HttpLogger;
}

/** How a protocol's messages are told apart: its name in logs and the type of its first message. */
export interface SocketProtocol {
  name: string;
  connect: string;
}

/**
 * The socket lifecycle shared by Convoy's `/api/sync` and Convex's sync sessions: text frames
 * in (parsed, connect first, a handler's failure closes with 1011), heartbeat, close and
 * dispose, an outbox, and the flush timer of a slow socket. Each protocol's session parses and
 * answers its own messages.
 */
export abstract class SocketSession<M extends { type: string } = { type: string }> {
  protected closed = false;
  protected readonly outbox: SocketOutbox;
  private lastSeen = Date.now();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    protected readonly socket: WebSocket,
    tcp: Duplex,
    private readonly lifecycle: SocketSessionOptions,
    private readonly protocol: SocketProtocol,
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

  /** One text frame, checked; throws {@link ProtocolViolation} for anything else. */
  protected abstract parse(text: string): M;

  /** Whether the client's connect message was handled. */
  protected abstract get connected(): boolean;

  /** Act on one message (its failure closes the socket with 1011). */
  protected abstract handle(message: M): void;

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

  private receive(text: string): void {
    let message: M;
    try {
      message = this.parse(text);
    } catch (error) {
      return this.violation(error instanceof ProtocolViolation ? error.message : "malformed message");
    }
    if (!this.connected && message.type !== this.protocol.connect) return this.violation(`the first message must be ${this.protocol.connect}`);
    try {
      this.handle(message);
    } catch (error) {
      this.lifecycle.logger.error(`convoy: ${this.protocol.name} failed to handle a message`, error);
      this.close(CLOSE.internal, "internal error");
    }
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.outbox.clear();
    clearTimeout(this.flushTimer);
    this.released();
  }
}

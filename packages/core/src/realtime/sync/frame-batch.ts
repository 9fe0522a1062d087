import type { Duplex } from "node:stream";
import { WebSocket } from "ws";

/**
 * A text message's UTF-8 bytes, encoded once and handed to `ws` for every socket that gets it
 * (`ws` frames it; the payload is not copied per socket).
 */
export function textFrame(payload: string): Buffer {
  return Buffer.from(payload, "utf8");
}

/** One socket's frames waiting for the end of the turn. */
export class SocketOutbox {
  frames: Buffer[] = [];

  constructor(
    private readonly batch: FrameBatch,
    private readonly ws: WebSocket,
    private readonly tcp: Duplex,
  ) {}

  /** Queue a frame; it leaves with the socket's other frames of this turn. */
  push(frame: Buffer): void {
    if (this.frames.length === 0) this.batch.add(this);
    this.frames.push(frame);
  }

  /** Drop what is queued (the socket is closing). */
  clear(): void {
    this.frames = [];
  }

  /** @internal (FrameBatch) */
  flush(): void {
    const frames = this.frames;
    this.frames = [];
    if (frames.length === 0 || this.ws.readyState !== WebSocket.OPEN) return;
    // `ws` writes each frame synchronously (no compression); corked, a turn's frames leave in one write
    this.tcp.cork();
    for (const frame of frames) this.ws.send(frame, { binary: false });
    this.tcp.uncork();
  }
}

/**
 * The server's frame writes, batched per event-loop turn: a socket's frames of one turn (a
 * transition and the mutation answer it unblocks) leave in one write, and an engine cycle's
 * transitions to every socket go out in one loop of writes right after it. A message shared by
 * many sockets is serialised and UTF-8-encoded once; `ws` frames it for each socket
 * (`perMessageDeflate` is off, so its writes are synchronous).
 */
export class FrameBatch {
  private pending: SocketOutbox[] = [];
  private scheduled = false;

  /** The outbox of a socket accepted by `ws` on `tcp`. */
  outbox(ws: WebSocket, tcp: Duplex): SocketOutbox {
    return new SocketOutbox(this, ws, tcp);
  }

  /** @internal (SocketOutbox) */
  add(outbox: SocketOutbox): void {
    this.pending.push(outbox);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const pending = this.pending;
    this.pending = [];
    for (const outbox of pending) outbox.flush();
  }
}

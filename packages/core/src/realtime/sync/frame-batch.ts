import type { Duplex } from "node:stream";
import { WebSocket } from "ws";

/**
 * An unmasked, final text frame (RFC 6455 §5.2; a server's frames are never masked), as bytes:
 * built once and written as is to every socket that gets it.
 */
export function textFrame(payload: string): Buffer {
  const length = Buffer.byteLength(payload);
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81; // FIN + text
  if (headerLength === 2) frame[1] = length;
  else if (headerLength === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(payload, headerLength, "utf8");
  return frame;
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
    // ws's own frames (pings, the close) go through its sender; data frames stop once it closes
    if (frames.length === 0 || this.ws.readyState !== WebSocket.OPEN || !this.tcp.writable) return;
    if (frames.length === 1) {
      this.tcp.write(frames[0]!);
      return;
    }
    this.tcp.cork();
    for (const frame of frames) this.tcp.write(frame);
    this.tcp.uncork();
  }
}

/**
 * The server's frame writes, batched per event-loop turn: a socket's frames of one turn (a
 * transition and the mutation answer it unblocks) leave in one write, and an engine cycle's
 * transitions to every socket go out in one loop of writes right after it. Frames are written to
 * the TCP socket under `ws` (text frames, no compression: `perMessageDeflate` is off), so a
 * frame shared by many sockets is encoded once.
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

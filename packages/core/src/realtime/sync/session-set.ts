import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { HttpLogger } from "../../http/handler-options.js";
import { CLOSE } from "./close-codes.js";
import type { SocketSession } from "./socket-session.js";

/** The logger of a sync endpoint given none. */
export const consoleLogger: HttpLogger = { error: (message: string, error?: unknown) => console.error(message, error) };

/** A request's path, without its query string. */
export function requestPath(request: IncomingMessage): string {
  const url = request.url ?? "";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/**
 * The open sockets of one sync endpoint: accepts upgrades, ticks their heartbeat, and closes
 * them all (1001) on shutdown.
 */
export class SessionSet<S extends SocketSession> {
  private readonly sessions = new Set<S>();
  private readonly wss: WebSocketServer;
  private readonly heartbeat: ReturnType<typeof setInterval>;

  constructor(limits: { heartbeatMs: number; maxFrameBytes: number }) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, perMessageDeflate: false });
    this.heartbeat = setInterval(() => {
      const now = Date.now();
      for (const session of [...this.sessions]) session.heartbeat(now);
    }, limits.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Upgrade `socket` (node:http's TCP socket, which the session writes its frames to) to a session. */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer, open: (ws: WebSocket, tcp: Duplex) => S): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.sessions.add(open(ws, socket));
    });
  }

  /** Forget a closed session. */
  delete(session: S): void {
    this.sessions.delete(session);
  }

  /** Stop the heartbeat and close every socket with 1001 (server shutting down). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const session of [...this.sessions]) session.close(CLOSE.goingAway, "server shutting down");
    this.wss.close();
  }
}

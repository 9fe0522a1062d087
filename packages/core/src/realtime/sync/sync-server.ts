import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { HttpLogger, TokenVerifier } from "../../http/handler-options.js";
import type { Runtime } from "../../runtime/runtime.js";
import { MAX_VALUE_DEPTH } from "../../values/value.js";
import type { RealtimeEngine } from "../realtime-engine.js";
import { CLOSE } from "./close-codes.js";
import { FrameBatch } from "./frame-batch.js";
import { pruneRequestLog } from "./request-log.js";
import { outcomeSerializer } from "./serialize-outcome.js";
import { RequestMemory, type ResolvedSyncOptions, type SyncLimits } from "./sync-options.js";
import { SyncSession } from "./sync-session.js";
import { TransitionFrames } from "./transition-frames.js";

/** Options of {@link attachSync}. */
export interface SyncServerOptions {
  engine: RealtimeEngine;
  /** The runtime requests run on (a function: `convoy dev` swaps runtimes). */
  runtime: Runtime | (() => Runtime);
  verifyToken?: TokenVerifier | undefined;
  limits?: SyncLimits | undefined;
  /** Development mode: error results carry real messages of internal errors. */
  dev?: boolean;
  basePath?: string;
  logger?: HttpLogger;
  /** Another protocol's upgrades (Convex's sync), tried before refusing a path: `true` when taken. */
  upgrade?: ((request: IncomingMessage, socket: Duplex, head: Buffer) => boolean) | undefined;
}

/** The sync endpoint on a server: how many sockets are open, and how to close them all. */
export interface SyncEndpoint {
  readonly openSockets: number;
  /** Close every socket with 1001 (server shutting down). */
  close(): void;
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * Serve `/api/sync` (the sync protocol over WebSocket, `ws`) on a `node:http` server: the
 * upgrade of that path is accepted, any other upgrade refused.
 *
 * @example
 * const server = createServer({ runtime });
 * attachSync(server, { engine, runtime, verifyToken });
 */
export function attachSync(server: Server, options: SyncServerOptions): SyncEndpoint {
  const runtime = options.runtime;
  const runtimeOf = typeof runtime === "function" ? runtime : () => runtime;
  const limits = options.limits ?? {};
  const heartbeatMs = limits.heartbeatMs ?? 30_000;
  const logger = options.logger ?? { error: (message: string, error?: unknown) => console.error(message, error) };
  const sessions = new Set<SyncSession>();
  const resolved: ResolvedSyncOptions = {
    maxFrameBytes: limits.maxFrameBytes ?? 1024 * 1024,
    maxSubscriptions: limits.maxSubscriptions ?? 1000,
    maxInFlight: limits.maxInFlight ?? 64,
    heartbeatMs,
    heartbeatTimeoutMs: heartbeatMs * 2,
    maxBufferedBytes: limits.maxBufferedBytes ?? 1024 * 1024,
    maxDepth: MAX_VALUE_DEPTH + 2,
    maxArrayLength: 8192,
    verifyToken: options.verifyToken,
    logger,
    frames: new TransitionFrames(),
    batch: new FrameBatch(),
    requests: new RequestMemory(),
    onClose: (session) => sessions.delete(session),
  };
  const serialize = outcomeSerializer({ dev: options.dev === true });
  const path = `${options.basePath ?? ""}/api/sync`;
  const wss = new WebSocketServer({ noServer: true, maxPayload: resolved.maxFrameBytes, perMessageDeflate: false });

  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = request.url ?? "";
    const query = url.indexOf("?");
    if ((query === -1 ? url : url.slice(0, query)) !== path) {
      if (options.upgrade?.(request, socket, head) === true) return;
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      // `ws` upgrades node:http's TCP socket: the session writes its frames to it directly.
      sessions.add(new SyncSession(ws, socket, options.engine, runtimeOf, serialize, resolved));
    });
  });

  const heartbeat = setInterval(() => {
    const now = Date.now();
    for (const session of [...sessions]) session.heartbeat(now);
  }, heartbeatMs);
  heartbeat.unref();
  const prune = (): void => {
    pruneRequestLog(runtimeOf().driver).catch((error: unknown) => {
      logger.error("convoy: pruning convoy.request_log failed", error);
    });
  };
  const pruneTimer = setInterval(prune, HOUR_MS);
  pruneTimer.unref();
  setImmediate(prune);

  const close = (): void => {
    clearInterval(heartbeat);
    clearInterval(pruneTimer);
    for (const session of [...sessions]) session.close(CLOSE.goingAway, "server shutting down");
    wss.close();
  };
  server.once("close", close);
  return {
    get openSockets() {
      return sessions.size;
    },
    close,
  };
}

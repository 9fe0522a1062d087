import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { HttpLogger, TokenVerifier } from "../../http/handler-options.js";
import type { Runtime } from "../../runtime/runtime.js";
import { MAX_VALUE_DEPTH } from "../../values/value.js";
import type { RealtimeEngine } from "../realtime-engine.js";
import { FrameBatch } from "./frame-batch.js";
import { pruneRequestLog } from "./request-log.js";
import { outcomeSerializer } from "./serialize-outcome.js";
import { consoleLogger, requestPath, SessionSet } from "./session-set.js";
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
  const logger = options.logger ?? consoleLogger;
  const maxFrameBytes = limits.maxFrameBytes ?? 1024 * 1024;
  const sessions = new SessionSet<SyncSession>({ heartbeatMs, maxFrameBytes });
  const resolved: ResolvedSyncOptions = {
    maxFrameBytes,
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

  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (requestPath(request) !== path) {
      if (options.upgrade?.(request, socket, head) === true) return;
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    sessions.accept(request, socket, head, (ws, tcp) => new SyncSession(ws, tcp, options.engine, runtimeOf, serialize, resolved));
  });

  const prune = (): void => {
    pruneRequestLog(runtimeOf().driver).catch((error: unknown) => {
      logger.error("convoy: pruning convoy.request_log failed", error);
    });
  };
  const pruneTimer = setInterval(prune, HOUR_MS);
  pruneTimer.unref();
  setImmediate(prune);

  const close = (): void => {
    clearInterval(pruneTimer);
    sessions.close();
  };
  server.once("close", close);
  return {
    get openSockets() {
      return sessions.size;
    },
    close,
  };
}

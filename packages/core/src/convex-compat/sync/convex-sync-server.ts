import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { FrameBatch } from "../../realtime/sync/frame-batch.js";
import { outcomeSerializer } from "../../realtime/sync/serialize-outcome.js";
import { consoleLogger, requestPath, SessionSet } from "../../realtime/sync/session-set.js";
import { RequestMemory } from "../../realtime/sync/sync-options.js";
import type { SyncServerOptions } from "../../realtime/sync/sync-server.js";
import { MAX_VALUE_DEPTH } from "../../values/value.js";
import { ConvexSyncSession } from "./convex-session.js";

/** Options of {@link createConvexSync}: those of Convoy's `/api/sync`. */
export type ConvexSyncOptions = Omit<SyncServerOptions, "upgrade">;

/** Convex's sync endpoint: takes the upgrades of its path; counts and closes its sockets. */
export interface ConvexSyncEndpoint {
  /** Accept the upgrade when it is for `/api/<client version>/sync`; `false` (untouched) otherwise. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  readonly openSockets: number;
  /** Close every socket with 1001 (server shutting down). */
  close(): void;
}

/** `/api/<version>/sync`, the version being the `convex` package's (`1.48.0`). */
const CONVEX_SYNC_PATH = /^\/api\/[0-9][0-9A-Za-z.+-]{0,63}\/sync$/;

/**
 * Convex's WebSocket sync protocol (what `ConvexClient` and `ConvexReactClient` speak) at
 * `/api/<client version>/sync`, over the same engine, runtime, auth and limits as `/api/sync`.
 *
 * @example
 * const convex = createConvexSync({ engine, runtime, verifyToken });
 * attachSync(server, { engine, runtime, upgrade: convex.upgrade });
 */
export function createConvexSync(options: ConvexSyncOptions): ConvexSyncEndpoint {
  const runtime = options.runtime;
  const limits = options.limits ?? {};
  const heartbeatMs = limits.heartbeatMs ?? 30_000;
  const sessions = new SessionSet<ConvexSyncSession>({ heartbeatMs, maxFrameBytes: limits.maxFrameBytes ?? 1024 * 1024 });
  const basePath = options.basePath ?? "";
  const context = {
    engine: options.engine,
    runtime: typeof runtime === "function" ? runtime : () => runtime,
    serialize: outcomeSerializer({ dev: options.dev === true }),
    verifyToken: options.verifyToken,
    maxSubscriptions: limits.maxSubscriptions ?? 1000,
    maxInFlight: limits.maxInFlight ?? 64,
    maxBufferedBytes: limits.maxBufferedBytes ?? 1024 * 1024,
    heartbeatTimeoutMs: heartbeatMs * 2,
    // the message, its array of arguments, a query set's modifications: a few levels over a value's
    maxDepth: MAX_VALUE_DEPTH + 4,
    maxArrayLength: 8192,
    logger: options.logger ?? consoleLogger,
    batch: new FrameBatch(),
    requests: new RequestMemory(),
    onClose: (session: ConvexSyncSession) => sessions.delete(session),
  };
  return {
    upgrade(request, socket, head) {
      const path = requestPath(request);
      if (!path.startsWith(basePath) || !CONVEX_SYNC_PATH.test(path.slice(basePath.length))) return false;
      sessions.accept(request, socket, head, (ws, tcp) => new ConvexSyncSession(ws, tcp, context));
      return true;
    },
    get openSockets() {
      return sessions.size;
    },
    close() {
      sessions.close();
    },
  };
}

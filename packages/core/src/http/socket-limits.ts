import type { Server, ServerOptions as NodeServerOptions } from "node:http";
import type { Socket } from "node:net";
import { FrameworkError } from "../errors/framework-error.js";
import type { HttpLogger } from "./handler-options.js";

/** Bounds on the sockets of the server `createServer` makes. */
export interface ConnectionLimits {
  /** Most open sockets (default 512). Beyond it a new socket is closed at once, before anything is read. */
  maxConnections?: number;
  /**
   * How long a new socket may take to send its first complete request head, and any request its
   * head, in ms (default 10 000). A silent socket is closed; a slow head gets `408`.
   */
  headersTimeoutMs?: number;
  /** How long a whole request (head and body) may take to arrive, in ms (default 30 000). */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive socket is kept after a response, in ms (default 5000). */
  keepAliveTimeoutMs?: number;
}

export const DEFAULT_CONNECTION_LIMITS: Required<ConnectionLimits> = {
  maxConnections: 512,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5000,
};

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new FrameworkError("INTERNAL", `connections.${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** The limits with defaults filled in; throws `INTERNAL` for a malformed one. */
export function resolveConnectionLimits(limits: ConnectionLimits = {}): Required<ConnectionLimits> {
  const resolved = {
    maxConnections: positive("maxConnections", limits.maxConnections, DEFAULT_CONNECTION_LIMITS.maxConnections),
    headersTimeoutMs: positive("headersTimeoutMs", limits.headersTimeoutMs, DEFAULT_CONNECTION_LIMITS.headersTimeoutMs),
    requestTimeoutMs: positive("requestTimeoutMs", limits.requestTimeoutMs, DEFAULT_CONNECTION_LIMITS.requestTimeoutMs),
    keepAliveTimeoutMs: positive("keepAliveTimeoutMs", limits.keepAliveTimeoutMs, DEFAULT_CONNECTION_LIMITS.keepAliveTimeoutMs),
  };
  // Node refuses a head timeout longer than the whole request's.
  resolved.requestTimeoutMs = Math.max(resolved.requestTimeoutMs, resolved.headersTimeoutMs);
  return resolved;
}

/** The `node:http` server options that enforce `limits` (the timeouts are checked this often). */
export function nodeServerOptions(limits: Required<ConnectionLimits>): NodeServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/** How often running out of file descriptors is logged at most. */
const EMFILE_LOG_INTERVAL_MS = 10_000;

/**
 * Apply `limits` to `server` (made with {@link nodeServerOptions}):
 * - `maxConnections`: Node closes sockets beyond it as they are accepted;
 * - a socket that sends nothing is closed after `headersTimeoutMs` (Node's own head timeout
 *   starts only with the first byte); the timer ends when its first request arrives;
 * - `EMFILE`/`ENFILE` while accepting (out of file descriptors: the kernel refuses the
 *   connection) is logged, at most every 10 s, instead of crashing the process.
 */
export function applyConnectionLimits(server: Server, limits: Required<ConnectionLimits>, logger: HttpLogger): void {
  server.maxConnections = limits.maxConnections;
  const waiting = new WeakSet<Socket>();
  server.on("connection", (socket: Socket) => {
    waiting.add(socket);
    // With no 'timeout' listener on the server, Node destroys a socket that times out.
    socket.setTimeout(limits.headersTimeoutMs);
  });
  server.on("request", (req: { socket: Socket }) => {
    if (waiting.delete(req.socket)) req.socket.setTimeout(0);
  });
  let lastLogged = 0;
  server.on("error", (error: NodeJS.ErrnoException) => {
    if (error.syscall === "accept") {
      const now = Date.now();
      if (now - lastLogged >= EMFILE_LOG_INTERVAL_MS) {
        lastLogged = now;
        logger.error(`convoy: could not accept a connection (${error.code ?? "error"}); lower connections.maxConnections or raise the file descriptor limit`, error);
      }
      return;
    }
    // Anything else (e.g. EADDRINUSE) is the caller's, as if this listener were not here.
    if (server.listenerCount("error") === 1) throw error;
  });
}

import { createServer as createNodeServer, type Server } from "node:http";
import { createTokenVerifier } from "../auth/verify-token.js";
import { createConvexSync } from "../convex-compat/sync/convex-sync-server.js";
import { attachSync } from "../realtime/sync/sync-server.js";
import type { SyncLimits } from "../realtime/sync/sync-options.js";
import type { RealtimeEngine } from "../realtime/realtime-engine.js";
import type { Runtime } from "../runtime/runtime.js";
import type { HandlerOptions } from "./handler-options.js";
import { createHandler } from "./node-handler.js";
import { applyConnectionLimits, nodeServerOptions, resolveConnectionLimits, type ConnectionLimits } from "./socket-limits.js";

/** Options of {@link createServer}: the handler's, and bounds on its sockets. */
export interface ServerOptions extends HandlerOptions {
  connections?: ConnectionLimits;
  /**
   * Serve live queries at `/api/sync` (WebSocket) and Convex's sync protocol at
   * `/api/<client version>/sync` from this engine; requests on the socket run
   * on `runtime` (a function when the runtime can be swapped, as in `convoy dev`).
   */
  realtime?: { engine: RealtimeEngine; runtime: Runtime | (() => Runtime); limits?: SyncLimits };
}

/**
 * A `node:http` server answering Convoy's HTTP API (what `convoy dev` and `convoy start`
 * run), with bounded sockets (see {@link ConnectionLimits}). Not listening yet: call `listen(port)`.
 *
 * @example
 * const server = createServer({ runtime, cors: { origins: "*" }, dev: true, staticDir: "dist" });
 * server.listen(3700, () => console.log("http://localhost:3700"));
 */
export function createServer(options: ServerOptions): Server {
  // One verifier for the HTTP routes and the sockets, the `auth` shorthand included.
  let verifyToken = options.verifyToken;
  let handlerOptions: HandlerOptions = options;
  if (options.auth !== undefined && verifyToken === undefined) {
    const { auth, ...rest } = options;
    verifyToken = createTokenVerifier(auth);
    handlerOptions = { ...rest, verifyToken };
  }
  const handler = createHandler(handlerOptions);
  const limits = resolveConnectionLimits(options.connections);
  const server = createNodeServer(nodeServerOptions(limits), (req, res) => {
    handler(req, res);
  });
  const logger = options.logger ?? { error: (message: string, error?: unknown) => console.error(message, error) };
  applyConnectionLimits(server, limits, logger);
  if (options.realtime !== undefined) {
    const { engine, runtime } = options.realtime;
    const shared = { engine, runtime, verifyToken, limits: options.realtime.limits, dev: options.dev === true, basePath: options.basePath ?? "", logger };
    // Convex's sync protocol (`/api/<client version>/sync`) over the same engine.
    const convex = createConvexSync(shared);
    const sync = attachSync(server, { ...shared, upgrade: (request, socket, head) => convex.upgrade(request, socket, head) });
    // Upgraded sockets keep `close()` waiting forever: close them (1001, going away) first.
    const close = server.close.bind(server);
    server.close = (callback?: (error?: Error) => void) => {
      sync.close();
      convex.close();
      return close(callback);
    };
  }
  return server;
}

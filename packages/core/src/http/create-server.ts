import { createServer as createNodeServer, type Server } from "node:http";
import type { HandlerOptions } from "./handler-options.js";
import { createHandler } from "./node-handler.js";
import { applyConnectionLimits, nodeServerOptions, resolveConnectionLimits, type ConnectionLimits } from "./socket-limits.js";

/** Options of {@link createServer}: the handler's, and bounds on its sockets. */
export interface ServerOptions extends HandlerOptions {
  connections?: ConnectionLimits;
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
  const handler = createHandler(options);
  const limits = resolveConnectionLimits(options.connections);
  const server = createNodeServer(nodeServerOptions(limits), (req, res) => {
    handler(req, res);
  });
  applyConnectionLimits(server, limits, options.logger ?? { error: (message, error) => console.error(message, error) });
  return server;
}

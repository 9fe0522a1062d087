import { createServer as createNodeServer, type Server } from "node:http";
import type { HandlerOptions } from "./handler-options.js";
import { createHandler } from "./node-handler.js";

/**
 * A `node:http` server answering Convoy's HTTP API (what `convoy dev` and `convoy start`
 * run). Not listening yet: call `listen(port)`.
 *
 * @example
 * const server = createServer({ runtime, cors: { origins: "*" }, dev: true, staticDir: "dist" });
 * server.listen(3700, () => console.log("http://localhost:3700"));
 */
export function createServer(options: HandlerOptions): Server {
  const handler = createHandler(options);
  const server = createNodeServer((req, res) => {
    handler(req, res);
  });
  return server;
}

import type { IncomingMessage, ServerResponse } from "node:http";
import type { CoreRequest, CoreResponse } from "./core-types.js";
import { createCoreHandler, notFoundResponse, plainErrorResponse } from "./handle-request.js";
import { resolveHandlerOptions, type HandlerOptions } from "./handler-options.js";
import { readNodeBody } from "./read-node-body.js";

/**
 * A `node:http` request listener; also Connect/Express middleware: with `next`, requests
 * outside the API (and not static files) are passed on instead of answered `404`.
 */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** How long a socket whose body was refused may linger (sending the answer) before it is destroyed. */
const LINGER_MS = 2000;

/**
 * Mount Convoy's HTTP API in any Node server (SPEC §6): `POST /api/query/<name>`,
 * `POST /api/mutation/<name>`, `GET /api/query/<name>?args=…`, `GET /api/health`, CORS, and
 * optionally static files. The body size limit is enforced while the body streams in.
 *
 * @example
 * import { createServer } from "node:http";
 * const handler = createHandler({ runtime, cors: { origins: ["https://app.example.com"] } });
 * createServer(handler).listen(3700);
 * // or in Express: app.use(handler);
 */
export function createHandler(options: HandlerOptions): NodeHandler {
  const resolved = resolveHandlerOptions(options);
  const core = createCoreHandler(resolved);
  const { maxBodyBytes, bodyTimeoutMs } = resolved.limits;

  return (req, res, next) => {
    const method = (req.method ?? "GET").toUpperCase();
    const { path, search } = splitTarget(req.url ?? "/");
    let body: "unread" | "read" | "refused" = "unread";
    const request: CoreRequest = {
      method,
      path,
      search,
      remoteAddress: req.socket.remoteAddress,
      header: (name) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(", ") : value;
      },
      readBody: async () => {
        if (body !== "unread") throw new Error("readBody() called twice");
        try {
          const bytes = await readNodeBody(req, maxBodyBytes, bodyTimeoutMs);
          body = "read";
          return bytes;
        } catch (error) {
          body = "refused";
          throw error;
        }
      },
    };
    core(request).then(
      (response) => {
        if (response === null && next !== undefined) {
          next();
          return;
        }
        // Close the connection when the body was refused or left unread: its remaining bytes
        // are never read (Node would otherwise drain them to reuse the connection).
        const close = body === "refused" || (body === "unread" && hasBody(req));
        writeResponse(req, res, method, response ?? notFoundResponse(path), close);
      },
      (error: unknown) => {
        resolved.logger.error("convoy: unexpected failure in the HTTP handler", error);
        writeResponse(req, res, method, plainErrorResponse(error), true);
      },
    );
  };
}

/** `"/api/query/x?args=…"` → path and search. An absolute-form target keeps only its path. */
function splitTarget(target: string): { path: string; search: string } {
  let rest = target;
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(rest);
  if (absolute !== null) rest = rest.slice(absolute[0].length);
  const hash = rest.indexOf("#");
  if (hash !== -1) rest = rest.slice(0, hash);
  const question = rest.indexOf("?");
  const path = question === -1 ? rest : rest.slice(0, question);
  const search = question === -1 ? "" : rest.slice(question);
  return { path: path.startsWith("/") ? path : `/${path}`, search };
}

/** Whether the request has a body that is still (partly) unread. */
function hasBody(req: IncomingMessage): boolean {
  if (req.readableEnded) return false;
  if (req.headers["transfer-encoding"] !== undefined) return true;
  const length = req.headers["content-length"];
  return length !== undefined && length.trim() !== "0";
}

function writeResponse(req: IncomingMessage, res: ServerResponse, method: string, response: CoreResponse, close: boolean): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  // A string body goes out in one write together with the headers; a Buffer would take a writev of two.
  const body = response.body;
  const headers: Record<string, string | number> = { ...response.headers };
  if (response.status !== 204 && response.status !== 304) headers["Content-Length"] = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  if (close) headers.Connection = "close";
  res.writeHead(response.status, headers);
  res.end(method === "HEAD" || response.status === 204 ? undefined : body);
  if (close) {
    // Node ends the socket after this response; make sure it goes away even if the client
    // never closes its side (the unread body stays unread).
    const socket = req.socket;
    res.once("finish", () => {
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    });
  }
}

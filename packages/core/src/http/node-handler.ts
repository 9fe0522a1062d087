import type { IncomingMessage, ServerResponse } from "node:http";
import type { CoreRequest, CoreResponse } from "./core-types.js";
import { createCoreHandler, notFoundResponse, plainErrorResponse } from "./handle-request.js";
import { resolveHandlerOptions, type HandlerOptions } from "./handler-options.js";
import { readNodeBody } from "./read-node-body.js";
import { FrameworkError } from "../errors/framework-error.js";

/**
 * A `node:http` request listener; also Connect/Express middleware: with `next`, requests
 * outside the API (and not static files) are passed on instead of answered `404`.
 */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** How long a socket whose body was refused may linger (sending the answer) before it is destroyed. */
const LINGER_MS = 2000;
/**
 * After answering a body it will not read (too large, or not needed), the server keeps reading
 * and discarding it for up to this long and this many bytes, then closes: a client that sends
 * its whole body before reading the answer then gets the answer instead of a connection reset
 * (closing a socket with unread input makes the kernel send RST, which can destroy the answer
 * in flight). Past either bound the socket is destroyed.
 */
const DRAIN_MAX_MS = 2000;
const DRAIN_MAX_BYTES = 16 * 1024 * 1024;

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
    const request = new NodeRequest(req, method, path, search, maxBodyBytes, bodyTimeoutMs);
    core(request).then(
      (response) => {
        if (response === null && next !== undefined) {
          next();
          return;
        }
        // Close the connection when the body was refused or left unread (Node would otherwise
        // drain it without bound to reuse the connection); drain a too-large or unread body a
        // bounded while first, so the client reads the answer (a timed-out one is not worth it).
        const { body } = request;
        const unread = body === "unread" && hasBody(req);
        const close = body === "refused" || body === "too-large" || unread;
        writeResponse(req, res, method, response ?? notFoundResponse(path), close, (body === "too-large" || unread) && drainable(req));
      },
      (error: unknown) => {
        resolved.logger.error("convoy: unexpected failure in the HTTP handler", error);
        writeResponse(req, res, method, plainErrorResponse(error), true, false);
      },
    );
  };
}

/** A Node request as the core sees it (a class: no closures made per request). */
class NodeRequest implements CoreRequest {
  /** What became of the body: a refused or unread one closes the connection after the answer. */
  body: "unread" | "read" | "refused" | "too-large" = "unread";
  readonly remoteAddress: string | undefined;

  constructor(
    private readonly req: IncomingMessage,
    readonly method: string,
    readonly path: string,
    readonly search: string,
    private readonly maxBodyBytes: number,
    private readonly bodyTimeoutMs: number,
  ) {
    this.remoteAddress = req.socket.remoteAddress;
  }

  header(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  }

  headerEntries(): [string, string][] {
    return Object.entries(this.req.headers).flatMap(([name, value]): [string, string][] => (value === undefined ? [] : Array.isArray(value) ? value.map((one): [string, string] => [name, one]) : [[name, value]]));
  }

  async readBody(): Promise<Uint8Array> {
    if (this.body !== "unread") throw new Error("readBody() called twice");
    try {
      const bytes = await readNodeBody(this.req, this.maxBodyBytes, this.bodyTimeoutMs);
      this.body = "read";
      return bytes;
    } catch (error) {
      this.body = error instanceof FrameworkError && error.code === "PAYLOAD_TOO_LARGE" ? "too-large" : "refused";
      throw error;
    }
  }
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

/** Whether the rest of the body is worth draining: still arriving, and not declared beyond the drain bound. */
function drainable(req: IncomingMessage): boolean {
  if (req.readableEnded || req.destroyed) return false;
  const length = Number(req.headers["content-length"] ?? "0");
  return !(length > DRAIN_MAX_BYTES);
}

function writeResponse(req: IncomingMessage, res: ServerResponse, method: string, response: CoreResponse, close: boolean, drain: boolean): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  // A string body goes out in one write together with the headers; a Buffer would take a writev of two.
  const body = response.body;
  const headers: Record<string, string | number> = {};
  for (const name of Object.keys(response.headers)) headers[name] = response.headers[name]!;
  if (response.status !== 204 && response.status !== 304) headers["Content-Length"] = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  if (close) headers.Connection = "close";
  res.writeHead(response.status, headers);
  const payload = method === "HEAD" || response.status === 204 ? undefined : body;
  if (drain) {
    // Send the whole answer (Content-Length tells the client it is complete) but end the
    // response, which makes Node close the socket, only once the body is drained.
    if (payload !== undefined) res.write(payload);
    drainThenEnd(req, res);
    return;
  }
  res.end(payload);
  if (close) {
    // Node ends the socket after this response; make sure it goes away even if the client
    // never closes its side (the unread body stays unread).
    const socket = req.socket;
    res.once("finish", () => {
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
    });
  }
}

/** Reads and discards the rest of the body (bounded), then ends the response; Node then closes the connection. */
function drainThenEnd(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  let drained = 0;
  const finish = (destroy: boolean): void => {
    clearTimeout(timer);
    req.off("data", onData);
    req.off("end", onEnd);
    req.off("close", onClose);
    res.end();
    if (destroy) socket.destroy();
    else {
      res.once("finish", () => {
        setTimeout(() => socket.destroy(), LINGER_MS).unref();
      });
    }
  };
  const onData = (chunk: Buffer): void => {
    drained += chunk.length;
    if (drained > DRAIN_MAX_BYTES) finish(true);
  };
  const onEnd = (): void => {
    finish(false);
  };
  const onClose = (): void => {
    finish(true);
  };
  const timer = setTimeout(() => {
    finish(true);
  }, DRAIN_MAX_MS);
  req.on("data", onData);
  req.on("end", onEnd);
  req.on("close", onClose);
  req.resume();
}

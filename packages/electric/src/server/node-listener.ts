import type { IncomingMessage, ServerResponse } from "node:http";
import type { ShapeProxy } from "./shape-proxy.js";

/**
 * A `node:http` request listener serving a {@link ShapeProxy}. The request's signal is aborted
 * when the client goes away, which ends the long poll to Electric too.
 *
 * ```ts
 * createServer(toNodeListener(createShapeProxy({ ... }))).listen(3001);
 * ```
 */
export function toNodeListener(proxy: ShapeProxy): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const aborter = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) aborter.abort();
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(name, value);
      else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    }
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
    void proxy(new Request(url, { method: req.method ?? "GET", headers, signal: aborter.signal }))
      .then(async (response) => {
        const body = response.body === null ? "" : Buffer.from(await response.arrayBuffer());
        const headers: Record<string, string> = {};
        response.headers.forEach((value, name) => {
          headers[name] = value;
        });
        res.writeHead(response.status, headers);
        res.end(body);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  };
}

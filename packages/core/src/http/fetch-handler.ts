import type { CoreRequest, CoreResponse } from "./core-types.js";
import { createCoreHandler, notFoundResponse, plainErrorResponse } from "./handle-request.js";
import { resolveHandlerOptions, type HandlerOptions } from "./handler-options.js";
import { readWebBody } from "./read-web-body.js";

/** A Web-standard handler: `Request` in, `Response` out. */
export type FetchHandler = (request: Request) => Promise<Response>;

const ignore = (): void => undefined;

/**
 * Convoy's HTTP API as a Web-standard `fetch` handler, for runtimes and frameworks built on
 * `Request`/`Response` (Hono, Bun, Deno, Next.js route handlers, …). Same routes, limits and
 * answers as {@link createHandler}.
 *
 * @example
 * const fetchHandler = createFetchHandler({ runtime });
 * const response = await fetchHandler(new Request("http://localhost/api/health"));
 * await response.json(); // { ok: true }
 */
export function createFetchHandler(options: HandlerOptions): FetchHandler {
  const resolved = resolveHandlerOptions(options);
  const core = createCoreHandler(resolved);
  const { maxBodyBytes, bodyTimeoutMs } = resolved.limits;

  return async (request) => {
    const method = request.method.toUpperCase();
    let path = "/";
    let search = "";
    try {
      const url = new URL(request.url);
      path = url.pathname;
      search = url.search;
    } catch {
      // A Request always has an absolute URL; keep "/" if not.
    }
    let bodyRead = false;
    const coreRequest: CoreRequest = {
      method,
      path,
      search,
      header: (name) => request.headers.get(name) ?? undefined,
      headerEntries: () => {
        const entries: [string, string][] = [];
        request.headers.forEach((value, name) => entries.push([name, value]));
        return entries;
      },
      readBody: () => {
        bodyRead = true;
        return readWebBody(request, maxBodyBytes, bodyTimeoutMs);
      },
    };
    let response: CoreResponse;
    try {
      response = (await core(coreRequest)) ?? notFoundResponse(path);
    } catch (error) {
      resolved.logger.error("convoy: unexpected failure in the HTTP handler", error);
      response = plainErrorResponse(error);
    }
    if (!bodyRead && request.body !== null && !request.bodyUsed) request.body.cancel().catch(ignore);
    const noBody = method === "HEAD" || response.status === 204 || response.status === 304;
    const body = noBody ? null : typeof response.body === "string" ? response.body : new Blob([new Uint8Array(response.body)]);
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

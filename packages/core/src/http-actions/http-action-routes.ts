import { createActionCtx } from "../actions/run-action.js";
import type { UserIdentity } from "../functions/context.js";
import type { CoreRequest, CoreResponse } from "../http/core-types.js";
import type { Runtime } from "../runtime/runtime.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { HttpRouter } from "./http-router.js";

/**
 * Answers requests with the app's HTTP actions; `null` when no route matches (the server goes
 * on to static files, then 404). `path` is the request's path below the server's base path.
 */
export type HttpActionRoutes = (request: CoreRequest, path: string, identity: () => Promise<UserIdentity | null>) => Promise<CoreResponse | null>;

/** Options of {@link createHttpActionRoutes}. */
export interface HttpActionRoutesOptions {
  /** The app's router (the default export of `http.ts`), read per request (`convoy dev` swaps it). */
  router: () => HttpRouter | undefined;
  /** The runtime serving now: the actions' `runQuery`/`runMutation` go through it. */
  runtime: () => Runtime;
}

function decodePath(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

/** A web `Request` for the handler, from the transport-neutral one. */
async function toWebRequest(request: CoreRequest): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of request.headerEntries?.() ?? []) headers.append(name, value);
  const host = request.header("host") ?? "localhost";
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.readBody();
  return new Request(`http://${host}${request.path}${request.search}`, { method: request.method, headers, ...(body === undefined ? {} : { body: body as unknown as RequestInit["body"] }) });
}

/** A `Response` as the core writes it (headers joined by name; the body read whole). */
async function fromWebResponse(response: Response): Promise<CoreResponse> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { status: response.status, headers, body: new Uint8Array(await response.arrayBuffer()) };
}

/**
 * The HTTP actions of an app as a route handler for `createServer`/`createHandler`'s
 * `httpActions` option. Each request runs its action with an action ctx (anonymous unless it
 * carries a bearer token, verified when `ctx.auth.getUserIdentity()` is called) within
 * `limits.actionTimeoutMs`. A handler that throws answers with Convoy's structured error.
 *
 * @example
 * createServer({ runtime, httpActions: createHttpActionRoutes({ router: () => http, runtime: () => runtime }) });
 */
export function createHttpActionRoutes(options: HttpActionRoutesOptions): HttpActionRoutes {
  return async (request, path, identity) => {
    const router = options.router();
    if (router === undefined) return null;
    const decoded = decodePath(path);
    if (decoded === null) return null;
    const action = router.lookup(decoded, request.method);
    if (action === null) return null;
    const runtime = options.runtime();
    const { ctx, run } = createActionCtx(
      { registry: runtime.registry, driver: runtime.driver, signals: runtime.scheduling, run: (kind, reference, args, runOptions) => runtime.run(kind, reference, args, runOptions) },
      { identity, administrative: false, timeoutMs: runtime.limits.actionTimeoutMs },
      `HTTP action ${request.method} ${decoded}`,
    );
    const webRequest = await toWebRequest(request);
    const response: unknown = await run(() => action.handler(ctx, webRequest));
    if (!(response instanceof Response)) throw new FrameworkError("INTERNAL", `the HTTP action for ${request.method} ${decoded} returned ${typeof response}, not a Response`);
    return fromWebResponse(response);
  };
}

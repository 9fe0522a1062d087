import { FrameworkError } from "../errors/framework-error.js";
import type { GenericActionCtx } from "../functions/context.js";
import type { GenericDataModel } from "../schema/data-model.js";

/** The methods an HTTP action can be routed on (Convex's list). */
export const ROUTABLE_METHODS = ["GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"] as const;
export type RoutableMethod = (typeof ROUTABLE_METHODS)[number];

/** An HTTP action: a handler from a web `Request` to a `Response`, with an action's ctx. */
export interface PublicHttpAction {
  /** Marks an HTTP action. */
  readonly isHttpAction: true;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any app's action ctx
  readonly handler: (ctx: GenericActionCtx<any>, request: Request) => Promise<Response>;
}

/** The type of `httpAction` (the generated one is typed with the app's DataModel). */
export type HttpActionBuilder<TDataModel extends GenericDataModel> = (
  handler: (ctx: GenericActionCtx<TDataModel>, request: Request) => Promise<Response>,
) => PublicHttpAction;

/**
 * Define an HTTP action for `convoy/http.ts`: it gets an action ctx (`runQuery`,
 * `runMutation`, `runAction`, `scheduler`, `auth` from the request's bearer token) and the
 * request, and returns a `Response`.
 *
 * @example
 * const hook = httpActionGeneric(async (ctx, request) => {
 *   await ctx.runMutation(internal.hooks.record, { body: await request.text() });
 *   return new Response(null, { status: 204 });
 * });
 */
export const httpActionGeneric: HttpActionBuilder<GenericDataModel> = (handler) => {
  if (typeof handler !== "function") throw new FrameworkError("INTERNAL", "httpAction(handler) needs a function (ctx, request) => Response");
  return Object.freeze({ isHttpAction: true as const, handler: handler as PublicHttpAction["handler"] });
};

/** One route: an exact `path` or a `pathPrefix` (ending in `/`), a method and its action. */
export type RouteSpec = ({ path: string; pathPrefix?: undefined } | { pathPrefix: string; path?: undefined }) & {
  method: RoutableMethod;
  handler: PublicHttpAction;
};

/**
 * The HTTP routes of an app: the default export of `convoy/http.ts`. Exact paths win over
 * prefixes; among prefixes the longest wins. Paths under `/api/` are Convoy's and cannot be
 * routed.
 */
export class HttpRouter {
  /** Marks the default export of `http.ts`. */
  readonly isConvoyHttpRouter = true;
  private readonly exact = new Map<string, Map<RoutableMethod, PublicHttpAction>>();
  private readonly prefixes = new Map<string, Map<RoutableMethod, PublicHttpAction>>();

  /**
   * Add a route.
   *
   * @example
   * http.route({ path: "/hooks/payment", method: "POST", handler: paymentHook });
   * http.route({ pathPrefix: "/files/", method: "GET", handler: serveFile });
   */
  route(spec: RouteSpec): void {
    const method = spec.method;
    if (!(ROUTABLE_METHODS as readonly string[]).includes(method)) throw new FrameworkError("INTERNAL", `http.route: method must be one of ${ROUTABLE_METHODS.join(", ")}, got ${JSON.stringify(method)}`);
    if (!(spec.handler?.isHttpAction)) throw new FrameworkError("INTERNAL", "http.route: handler must be made with httpAction(...)");
    const exact = spec.path !== undefined;
    const path = exact ? spec.path : spec.pathPrefix;
    if (typeof path !== "string" || !path.startsWith("/")) throw new FrameworkError("INTERNAL", `http.route: ${exact ? "path" : "pathPrefix"} must start with "/", got ${JSON.stringify(path)}`);
    if (!exact && !path.endsWith("/")) throw new FrameworkError("INTERNAL", `http.route: pathPrefix must end with "/", got ${JSON.stringify(path)}`);
    // A prefix such as "/" may stay: /api/ is matched before HTTP actions are asked.
    if (path === "/api" || path.startsWith("/api/")) {
      throw new FrameworkError("INTERNAL", `http.route: ${JSON.stringify(path)} would cover /api/, which is Convoy's own API`);
    }
    const table = exact ? this.exact : this.prefixes;
    const methods = table.get(path) ?? new Map<RoutableMethod, PublicHttpAction>();
    if (methods.has(method)) throw new FrameworkError("INTERNAL", `http.route: ${method} ${path} is routed twice`);
    methods.set(method, spec.handler);
    table.set(path, methods);
  }

  /** The action for a request, or `null`. `path` is decoded. */
  lookup(path: string, method: string): PublicHttpAction | null {
    const verb = (method === "HEAD" ? "GET" : method) as RoutableMethod;
    const exact = this.exact.get(path)?.get(verb);
    if (exact !== undefined) return exact;
    let best: { length: number; action: PublicHttpAction } | null = null;
    for (const [prefix, methods] of this.prefixes) {
      const action = methods.get(verb);
      if (action !== undefined && path.startsWith(prefix) && (best === null || prefix.length > best.length)) best = { length: prefix.length, action };
    }
    return best?.action ?? null;
  }

  /** Every route as `[path, method]` (prefixes end in `/`). */
  getRoutes(): [string, RoutableMethod][] {
    const routes: [string, RoutableMethod][] = [];
    for (const table of [this.exact, this.prefixes]) for (const [path, methods] of table) for (const method of methods.keys()) routes.push([path, method]);
    return routes;
  }
}

/**
 * Start the HTTP routes of an app; `convoy/http.ts` exports the result as its default.
 *
 * @example
 * // convoy/http.ts
 * import { httpRouter } from "@convoy/core/server";
 * import { httpAction } from "./_generated/server";
 * const http = httpRouter();
 * http.route({ path: "/hooks/echo", method: "POST", handler: httpAction(async (ctx, request) => new Response(await request.text())) });
 * export default http;
 */
export function httpRouter(): HttpRouter {
  return new HttpRouter();
}

/** Whether a value is an {@link HttpRouter} (also one made by another copy of this package). */
export function isHttpRouter(value: unknown): value is HttpRouter {
  return typeof value === "object" && value !== null && (value as { isConvoyHttpRouter?: unknown }).isConvoyHttpRouter === true;
}

import type { ConvexEndpoint } from "../convex-compat/handle-convex-call.js";
import type { FunctionType } from "../functions/function-reference.js";

/** What a request path asks for. */
export type Route =
  /** `GET /api/health`. */
  | { type: "health" }
  /** `GET /api/metrics` (Prometheus text; `NOT_FOUND` unless metrics are enabled). */
  | { type: "metrics" }
  /** `/api/query/<name>`, `/api/mutation/<name>` or `/api/action/<name>`; `rawName` is still percent-encoded. */
  | { type: "call"; kind: FunctionType; rawName: string }
  /** Convex's HTTP API (`/api/query`, `/api/mutation`, `/api/action`, `/api/function`, `/api/run/<path>`): docs/convex.md. */
  | ({ type: "convex" } & ConvexEndpoint)
  /** Any other path under `/api/`: always `NOT_FOUND`. */
  | { type: "unknown-api" }
  /** Outside the API: static files, or not Convoy's. */
  | { type: "outside"; path: string };

const CALL = /^\/api\/(query|mutation|action)\/(.+)$/;
const CONVEX = /^\/api\/(?:(query|mutation|action|function)|run\/(.+))$/;

/**
 * Match a raw (percent-encoded) request path, below `basePath` (`""` or `"/prefix"`).
 *
 * @example
 * matchRoute("/api/query/admin/users:list", ""); // { type: "call", kind: "query", rawName: "admin/users:list" }
 * matchRoute("/convoy/api/health", "/convoy");   // { type: "health" }
 */
export function matchRoute(path: string, basePath: string): Route {
  let rest = path;
  if (basePath !== "") {
    if (path !== basePath && !path.startsWith(`${basePath}/`)) return { type: "outside", path };
    rest = path.slice(basePath.length);
    if (rest === "") rest = "/";
  }
  if (rest !== "/api" && !rest.startsWith("/api/")) return { type: "outside", path: rest };
  if (rest === "/api/health") return { type: "health" };
  if (rest === "/api/metrics") return { type: "metrics" };
  const convex = CONVEX.exec(rest);
  if (convex !== null) return convex[1] === undefined ? { type: "convex", endpoint: "run", rawPath: convex[2]! } : { type: "convex", endpoint: convex[1] as "query" };
  const match = CALL.exec(rest);
  if (match === null) return { type: "unknown-api" };
  return { type: "call", kind: match[1] as FunctionType, rawName: match[2]! };
}

const GET_HEAD: readonly string[] = Object.freeze(["GET", "HEAD"]);
const GET_POST: readonly string[] = Object.freeze(["GET", "POST"]);
const POST: readonly string[] = Object.freeze(["POST"]);
const NONE: readonly string[] = Object.freeze([]);

/** The methods a route answers (besides `OPTIONS`), for `Allow` and CORS preflights. */
export function allowedMethods(route: Route): readonly string[] {
  switch (route.type) {
    case "health":
    case "metrics":
      return GET_HEAD;
    case "call":
      return route.kind === "query" ? GET_POST : POST;
    case "convex":
      return POST;
    case "unknown-api":
      return NONE;
    case "outside":
      return GET_HEAD;
  }
}

import { normalizeOrigin, type ResolvedHandlerOptions } from "./handler-options.js";

/** The request headers a browser may send to the API. */
export const CORS_ALLOWED_HEADERS = "Content-Type, Authorization, Convex-Client";

/** How long a browser may cache a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE = "600";

/**
 * The CORS headers of a response to a request from `origin` (the `Origin` header): with
 * `"*"`, `Access-Control-Allow-Origin: *`; with a list, the origin itself when listed (and
 * always `Vary: Origin`, so caches keep answers per origin); otherwise none.
 *
 * @example
 * corsHeaders(new Set(["https://app.example.com"]), "https://app.example.com");
 * // { "Access-Control-Allow-Origin": "https://app.example.com", Vary: "Origin" }
 */
/** Response headers a browser client may read (what the call read and wrote). */
const EXPOSED_HEADERS = "X-Convoy-Reads, X-Convoy-Writes";

export function corsHeaders(origins: ResolvedHandlerOptions["corsOrigins"], origin: string | undefined): Record<string, string> {
  if (origins === false) return {};
  if (origins === "*") return { "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": EXPOSED_HEADERS };
  if (origin === undefined || !origins.has(normalizeOrigin(origin))) return { Vary: "Origin" };
  return { "Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": EXPOSED_HEADERS, Vary: "Origin" };
}

/**
 * The headers of an answer to a CORS preflight (`OPTIONS` with `Origin`): the allowed
 * methods and headers when the origin is allowed, else just {@link corsHeaders} (the browser
 * then refuses the call).
 */
export function preflightHeaders(
  origins: ResolvedHandlerOptions["corsOrigins"],
  origin: string | undefined,
  methods: readonly string[],
): Record<string, string> {
  const headers = corsHeaders(origins, origin);
  if (headers["Access-Control-Allow-Origin"] === undefined) return headers;
  return {
    ...headers,
    "Access-Control-Allow-Methods": [...methods, "OPTIONS"].join(", "),
    "Access-Control-Allow-Headers": CORS_ALLOWED_HEADERS,
    "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
  };
}

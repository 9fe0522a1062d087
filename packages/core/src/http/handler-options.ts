import type { AuthConfig } from "../auth/auth-config.js";
import { createTokenVerifier, type TokenVerifier } from "../auth/verify-token.js";
import type { ErrorCode } from "../errors/error-codes.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { HttpActionRoutes } from "../http-actions/http-action-routes.js";
import type { FunctionType } from "../functions/function-reference.js";
import { MAX_VALUE_DEPTH } from "../values/value.js";
import type { CoreRequest, CoreResponse } from "./core-types.js";
import type { HttpRuntime } from "./http-runtime.js";

/** Limits on what a request may carry. */
export interface HttpLimits {
  /** Largest request body, in bytes (default 1 MiB). Larger bodies get `413 PAYLOAD_TOO_LARGE`. */
  maxBodyBytes?: number;
  /** How deeply arrays and objects may nest inside `args` (default 64, the value depth limit). */
  maxDepth?: number;
  /** Most elements in any one array inside `args` (default 8192, as in Convex). */
  maxArrayLength?: number;
  /**
   * How long the whole body may take to arrive, in ms (default 10 000). A slower or truncated
   * body gets `400 BAD_REQUEST` and the connection is closed.
   */
  bodyTimeoutMs?: number;
  /**
   * Admission control: most function calls in progress at once (default 256). Beyond it a
   * call is refused at once with `503 UNAVAILABLE` and `Retry-After: 1`.
   */
  maxConcurrentCalls?: number;
  /**
   * Admission control: most request-body bytes buffered at once over all calls in progress
   * (default 64 MiB, at least `maxBodyBytes`). A call's share is its `Content-Length`, else
   * `maxBodyBytes`; a call that does not fit is refused with `503` and `Retry-After: 1`
   * before its body is read.
   */
  maxBufferedBodyBytes?: number;
}

/** Which browser origins may call the API. */
export interface CorsOptions {
  /** `"*"`: any origin; a list: exactly these (`"https://app.example.com"`); `false`: none. */
  origins: "*" | readonly string[] | false;
}

/** What {@link HandlerOptions.onCall} receives after each function call (also a rejected one). */
export interface HttpCallEvent {
  /** The function name as requested, e.g. `"admin/users:list"`. */
  name: string;
  kind: FunctionType;
  /** From the request's arrival at the router to the response being ready. */
  durationMs: number;
  ok: boolean;
  /** The error code when `ok` is false. */
  code?: ErrorCode;
}

/**
 * Routes answered before the API and static files (what `convoy dev` mounts its dashboard
 * with). Resolves to `null` to pass the request on; should not reject (a rejection becomes a
 * plain `500`). `request.path` is the raw path, `basePath` included.
 */
export type ExtraRoutes = (request: CoreRequest) => Promise<CoreResponse | null>;

/** Checks a client's token (M3); defined with the providers in `auth/`. */
export type { TokenVerifier };

/** Where the HTTP layer reports server-side failures (unexpected errors, hook errors). */
export interface HttpLogger {
  error(message: string, error?: unknown): void;
}

/**
 * Options of `createHandler`, `createFetchHandler` and `createServer`.
 *
 * @example
 * const options: HandlerOptions = {
 *   runtime,
 *   limits: { maxBodyBytes: 256 * 1024 },
 *   cors: { origins: ["https://app.example.com"] },
 *   onCall: ({ name, durationMs, ok, code }) => console.log(name, durationMs, ok ? "ok" : code),
 * };
 */
export interface HandlerOptions {
  /** Runs the functions and checks the database. */
  runtime: HttpRuntime;
  limits?: HttpLimits;
  /** CORS (default: no origin is allowed). */
  cors?: CorsOptions;
  /** Development mode: error bodies may carry `stack` and the real message of internal errors. */
  dev?: boolean;
  /** Called after every function call with its name, kind, duration and outcome. */
  onCall?: (event: HttpCallEvent) => void;
  /** A prefix the API lives under, e.g. `"/convoy"` → `/convoy/api/query/…` (default none). */
  basePath?: string;
  /** A directory of static files (a built web app) served at `/` for GET and HEAD. */
  staticDir?: string;
  /** Server-side error log (default: `console.error`). */
  logger?: HttpLogger;
  /** How long `GET /api/health` waits for the database before answering 503, in ms (default 5000). */
  healthTimeoutMs?: number;
  /** Routes tried first, before the API and static files (see {@link ExtraRoutes}). */
  extraRoutes?: ExtraRoutes;
  /**
   * The app's HTTP actions (`convoy/http.ts`; made by `createHttpActionRoutes`), tried for
   * paths outside `/api/` before static files.
   */
  httpActions?: HttpActionRoutes;
  /**
   * Send `X-Convoy-Reads` / `X-Convoy-Writes` (the tables each call read and wrote) with every
   * successful call (default `false`; `convoy dev` turns it on). `@convoy/react-query` uses them
   * to invalidate only the queries a mutation affected; without them it invalidates every
   * Convoy query after each mutation. They reveal which tables a function touches.
   */
  accessHeaders?: boolean;
  /**
   * Verifies tokens (M3): HTTP's `Authorization: Bearer <jwt>` and `/api/sync`'s `authenticate`. A call with a token that fails is answered
   * `401 UNAUTHENTICATED` and does not run. Without it (and without `auth`), any token is refused.
   */
  verifyToken?: TokenVerifier;
  /** Shorthand for `verifyToken: createTokenVerifier(auth)` (the providers of `auth.config.ts`). */
  auth?: AuthConfig;
  /** Serve `GET /api/metrics` (Prometheus text) from this registry; without it the route is `NOT_FOUND`. */
  metrics?: MetricsSource;
}

/** Something that renders metrics in the Prometheus text format (see `metrics/`). */
export interface MetricsSource {
  render(): string;
}

/** {@link HandlerOptions} with every default filled in. */
export interface ResolvedHandlerOptions {
  runtime: HttpRuntime;
  limits: Required<HttpLimits>;
  corsOrigins: "*" | ReadonlySet<string> | false;
  dev: boolean;
  onCall: ((event: HttpCallEvent) => void) | undefined;
  basePath: string;
  staticDir: string | undefined;
  logger: HttpLogger;
  healthTimeoutMs: number;
  extraRoutes: ExtraRoutes | undefined;
  httpActions: HttpActionRoutes | undefined;
  accessHeaders: boolean;
  verifyToken: TokenVerifier | undefined;
  metrics: MetricsSource | undefined;
}

export const DEFAULT_LIMITS: Required<HttpLimits> = {
  maxBodyBytes: 1024 * 1024,
  maxDepth: MAX_VALUE_DEPTH,
  maxArrayLength: 8192,
  bodyTimeoutMs: 10_000,
  maxConcurrentCalls: 256,
  maxBufferedBodyBytes: 64 * 1024 * 1024,
};

const defaultLogger: HttpLogger = {
  error: (message, error) => {
    console.error(message, error);
  },
};

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new FrameworkError("INTERNAL", `${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** `"/convoy/"` → `"/convoy"`; `""` and `"/"` → `""`. */
function normalizeBasePath(basePath: string | undefined): string {
  if (basePath === undefined) return "";
  const trimmed = basePath.replace(/\/+$/, "");
  if (trimmed === "") return "";
  if (!trimmed.startsWith("/") || /[?#\s]/.test(trimmed)) {
    throw new FrameworkError("INTERNAL", `basePath must be a path like "/convoy", got ${JSON.stringify(basePath)}`);
  }
  return trimmed;
}

/** An origin as browsers send it: lower-case scheme and host, no trailing slash. */
export function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, "").toLowerCase();
}

function resolveVerifier(options: HandlerOptions): TokenVerifier | undefined {
  if (options.verifyToken !== undefined && options.auth !== undefined) throw new FrameworkError("INTERNAL", "give createHandler either verifyToken or auth, not both");
  if (options.verifyToken !== undefined && typeof options.verifyToken !== "function") throw new FrameworkError("INTERNAL", "verifyToken must be a function (token) => Promise<UserIdentity>");
  return options.auth === undefined ? options.verifyToken : createTokenVerifier(options.auth);
}

/** Check the options and fill in the defaults. Throws `INTERNAL` for a malformed option. */
export function resolveHandlerOptions(options: HandlerOptions): ResolvedHandlerOptions {
  if (typeof options !== "object" || options === null || typeof options.runtime !== "object" || options.runtime === null) {
    throw new FrameworkError("INTERNAL", "createHandler(options) needs { runtime }");
  }
  const limits = options.limits ?? {};
  const origins = options.cors?.origins ?? false;
  const maxBodyBytes = positiveInteger("limits.maxBodyBytes", limits.maxBodyBytes, DEFAULT_LIMITS.maxBodyBytes);
  const maxBufferedBodyBytes = positiveInteger("limits.maxBufferedBodyBytes", limits.maxBufferedBodyBytes, Math.max(DEFAULT_LIMITS.maxBufferedBodyBytes, maxBodyBytes));
  if (maxBufferedBodyBytes < maxBodyBytes) {
    throw new FrameworkError("INTERNAL", `limits.maxBufferedBodyBytes (${maxBufferedBodyBytes}) must be at least limits.maxBodyBytes (${maxBodyBytes})`);
  }
  return {
    runtime: options.runtime,
    limits: {
      maxBodyBytes,
      maxDepth: positiveInteger("limits.maxDepth", limits.maxDepth, DEFAULT_LIMITS.maxDepth),
      maxArrayLength: positiveInteger("limits.maxArrayLength", limits.maxArrayLength, DEFAULT_LIMITS.maxArrayLength),
      bodyTimeoutMs: positiveInteger("limits.bodyTimeoutMs", limits.bodyTimeoutMs, DEFAULT_LIMITS.bodyTimeoutMs),
      maxConcurrentCalls: positiveInteger("limits.maxConcurrentCalls", limits.maxConcurrentCalls, DEFAULT_LIMITS.maxConcurrentCalls),
      maxBufferedBodyBytes,
    },
    corsOrigins: origins === "*" ? "*" : origins === false ? false : new Set(origins.map(normalizeOrigin)),
    dev: options.dev === true,
    onCall: options.onCall,
    basePath: normalizeBasePath(options.basePath),
    staticDir: options.staticDir,
    logger: options.logger ?? defaultLogger,
    healthTimeoutMs: positiveInteger("healthTimeoutMs", options.healthTimeoutMs, 5000),
    extraRoutes: options.extraRoutes,
    httpActions: options.httpActions,
    accessHeaders: options.accessHeaders === true,
    verifyToken: resolveVerifier(options),
    metrics: options.metrics,
  };
}

import { createConvexCaller } from "../convex-compat/handle-convex-call.js";
import type { ErrorCode } from "../errors/error-codes.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { FunctionType } from "../functions/function-reference.js";
import { encodeValue, isWireJson } from "../values/encoding.js";
import type { JSONValue, Value } from "../values/value.js";
import type { CallTables } from "./http-runtime.js";
import { Admission, OverloadedError } from "./admission.js";
import { identityFromHeader, requestIdentity } from "./authenticate.js";
import type { CoreRequest, CoreResponse } from "./core-types.js";
import { corsHeaders, preflightHeaders } from "./cors.js";
import { errorResponse, type ErrorBody } from "./error-response.js";
import { isValidFunctionName } from "./function-name-pattern.js";
import type { ResolvedHandlerOptions } from "./handler-options.js";
import { healthCheckOf } from "./http-runtime.js";
import { jsonResponse, jsonTextResponse } from "./json-response.js";
import { argsFromBody, argsFromSearch } from "./request-args.js";
import { allowedMethods, matchRoute, type Route } from "./route.js";
import { serveStaticFile } from "./static-files.js";

/** Answers one request, or resolves to `null` when the path is not Convoy's (outside the API, no static file). */
export type CoreHandler = (request: CoreRequest) => Promise<CoreResponse | null>;

/**
 * The transport-neutral router behind `createHandler`, `createFetchHandler` and
 * `createServer`: routes, method and content-type checks, argument decoding, the call, the
 * JSON answer, CORS, the `onCall` hook and static files. Never rejects: every failure becomes
 * an error response through {@link errorResponse}.
 */
export function createCoreHandler(options: ResolvedHandlerOptions): CoreHandler {
  const checkHealth = healthCheckOf(options.runtime);
  const admission = new Admission(options.limits);
  const failure = (error: unknown, headers: Record<string, string>): { response: CoreResponse; code: ErrorCode } => {
    if (outOfDescriptors(error)) {
      options.logger.error("convoy: out of file descriptors (EMFILE/ENFILE); answering 503", error);
      error = descriptorsError(error);
    }
    if (error instanceof OverloadedError) headers["Retry-After"] = String(error.retryAfterSeconds);
    const { status, body, serverFault, errorId } = errorResponse(error, { dev: options.dev });
    if (serverFault) options.logger.error(`convoy: ${body.error.code}${errorId === undefined ? "" : ` (error id ${errorId})`}: ${errorText(error)}`, error);
    try {
      return { response: jsonResponse(status, body, headers), code: body.error.code };
    } catch {
      // `data` of a framework error that JSON cannot carry: send the rest.
      const rest: ErrorBody["error"] = { ...body.error };
      delete rest.data;
      return { response: jsonResponse(status, { error: rest }, headers), code: body.error.code };
    }
  };
  const respondError = (error: unknown, headers: Record<string, string>): CoreResponse => failure(error, headers).response;

  const reportCall = (name: string, kind: FunctionType, started: number, code: ErrorCode | undefined): void => {
    if (options.onCall === undefined) return;
    try {
      options.onCall({ name, kind, durationMs: performance.now() - started, ok: code === undefined, ...(code === undefined ? {} : { code }) });
    } catch (error) {
      options.logger.error("convoy: the onCall hook threw", error);
    }
  };

  const convexCall = createConvexCaller({ options, admission, reportCall });

  const health = async (headers: Record<string, string>): Promise<CoreResponse> => {
    try {
      await withTimeout(checkHealth(), options.healthTimeoutMs);
      return jsonResponse(200, { ok: true }, headers);
    } catch (error) {
      const unavailable =
        error instanceof FrameworkError && error.code === "UNAVAILABLE"
          ? error
          : new FrameworkError("UNAVAILABLE", `the database did not answer the health check: ${errorText(error)}`, { cause: error });
      return respondError(unavailable, headers);
    }
  };

  const call = async (request: CoreRequest, route: Extract<Route, { type: "call" }>, headers: Record<string, string>): Promise<CoreResponse> => {
    const started = performance.now();
    let name = route.rawName;
    let leave: (() => void) | undefined;
    try {
      const methods = allowedMethods(route);
      if (!methods.includes(request.method)) {
        headers.Allow = methods.join(", ");
        throw new FrameworkError(
          "METHOD_NOT_ALLOWED",
          route.kind !== "query" && request.method === "GET"
            ? `${route.kind}s are called with POST, not GET`
            : `${request.method} is not allowed here; use ${methods.join(" or ")}`,
        );
      }
      name = decodeName(route.rawName);
      if (!isValidFunctionName(name)) throw new FrameworkError("NOT_FOUND", `no public ${route.kind} named ${JSON.stringify(name)}`);
      leave = admission.enter(request.method === "GET" ? 0 : bodyShare(request.header("content-length"), options.limits.maxBodyBytes));
      // no header: anonymous, without a promise on the hot path
      const authorization = request.header("authorization");
      const identity = authorization === undefined ? null : await requestIdentity(authorization, options.verifyToken, headers);
      const args = request.method === "GET" ? argsFromSearch(request.search, options.limits) : argsFromBody(await readJsonBody(request), options.limits);
      const { value, log } = await options.runtime.run(route.kind, name, args, { allowInternal: false, identity });
      const responseHeaders = options.accessHeaders ? { ...headers, ...accessHeaders(log) } : headers;
      // A value that is its own wire form (most are: strings, finite numbers, plain objects) is
      // stringified as it is, without the encoded copy.
      const response = isWireJson(value)
        ? jsonTextResponse(200, `{"value":${JSON.stringify(value)}}`, responseHeaders)
        : jsonResponse(200, { value: encodeResult(name, value) }, responseHeaders);
      reportCall(name, route.kind, started, undefined);
      return response;
    } catch (error) {
      const { response, code } = failure(error, headers);
      reportCall(name, route.kind, started, code);
      return response;
    } finally {
      leave?.();
    }
  };

  return async (request) => {
    try {
      if (options.extraRoutes !== undefined) {
        const answered = await options.extraRoutes(request);
        if (answered !== null) return answered;
      }
      const route = matchRoute(request.path, options.basePath);
      if (route.type === "outside") {
        if (options.httpActions !== undefined) {
          const authorization = request.header("authorization");
          const answered = await options.httpActions(request, route.path, () => identityFromHeader(authorization, options.verifyToken));
          if (answered !== null) return { ...answered, headers: { ...corsHeaders(options.corsOrigins, request.header("origin")), ...answered.headers } };
        }
        if (options.staticDir === undefined || (request.method !== "GET" && request.method !== "HEAD")) return null;
        return await serveStaticFile(options.staticDir, route.path);
      }
      const origin = request.header("origin");
      if (request.method === "OPTIONS") {
        const methods = allowedMethods(route);
        return { status: 204, headers: { Allow: [...methods, "OPTIONS"].join(", "), ...preflightHeaders(options.corsOrigins, origin, methods) }, body: "" };
      }
      const headers = corsHeaders(options.corsOrigins, origin);
      switch (route.type) {
        case "unknown-api":
          return respondError(new FrameworkError("NOT_FOUND", `no API route ${JSON.stringify(request.path)}; use /api/query/<name>, /api/mutation/<name>, /api/action/<name> or /api/health`), headers);
        case "health":
          if (request.method !== "GET" && request.method !== "HEAD") {
            return respondError(new FrameworkError("METHOD_NOT_ALLOWED", `${request.method} is not allowed here; use GET`), { ...headers, Allow: "GET, HEAD" });
          }
          return await health(headers);
        case "metrics":
          if (options.metrics === undefined) {
            return respondError(new FrameworkError("NOT_FOUND", "metrics are off: `convoy start --metrics` (or `metrics: true` in convoy.config.ts) serves them"), headers);
          }
          if (request.method !== "GET" && request.method !== "HEAD") {
            return respondError(new FrameworkError("METHOD_NOT_ALLOWED", `${request.method} is not allowed here; use GET`), { ...headers, Allow: "GET, HEAD" });
          }
          return { status: 200, headers: { ...headers, "Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store" }, body: options.metrics.render() };
        case "call":
          return await call(request, route, headers);
        case "convex":
          return await convexCall(request, route, headers);
      }
    } catch (error) {
      return respondError(error, {});
    }
  };
}

/** A `NOT_FOUND` answer for a path that is neither the API nor a static file. */
export function notFoundResponse(path: string): CoreResponse {
  return plainErrorResponse(new FrameworkError("NOT_FOUND", `nothing at ${JSON.stringify(path)}`));
}

/** The answer to an error outside a call (no CORS headers, never dev details). */
export function plainErrorResponse(error: unknown): CoreResponse {
  const { status, body } = errorResponse(error, { dev: false });
  return jsonResponse(status, body);
}

function decodeName(rawName: string): string {
  if (!rawName.includes("%")) return rawName;
  try {
    return decodeURIComponent(rawName);
  } catch {
    throw new FrameworkError("BAD_REQUEST", "the function name in the path has malformed percent-encoding");
  }
}

/** The body of a `POST` call, after checking that it is declared as JSON. */
async function readJsonBody(request: CoreRequest): Promise<Uint8Array> {
  if (!isJsonContentType(request.header("content-type"))) {
    throw new FrameworkError("UNSUPPORTED_MEDIA_TYPE", 'send the body as JSON with "Content-Type: application/json"');
  }
  return request.readBody();
}

/** `application/json`, optionally with `charset=utf-8`. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  if (header === "application/json") return true;
  const [type = "", ...parameters] = header.split(";");
  if (type.trim().toLowerCase() !== "application/json") return false;
  for (const parameter of parameters) {
    const equals = parameter.indexOf("=");
    if (equals === -1) continue;
    const key = parameter.slice(0, equals).trim().toLowerCase();
    const value = parameter.slice(equals + 1).trim().replace(/^"(.*)"$/, "$1").toLowerCase();
    if (key === "charset" && value !== "utf-8" && value !== "utf8") return false;
  }
  return true;
}

/**
 * `X-Convoy-Reads` / `X-Convoy-Writes`: the tables a call read and wrote, so clients can
 * invalidate cached queries after a mutation (`@convoy/react-query` does). Headers, not body
 * fields, so the body stays exactly `{"value": …}`. Sent only with the `accessHeaders` option
 * (on under `convoy dev`): they tell anyone which tables a function touches.
 */
function accessHeaders(log: CallTables | undefined): Record<string, string> {
  if (log === undefined) return {};
  return { "X-Convoy-Reads": [...log.tablesRead()].sort().join(","), "X-Convoy-Writes": [...log.tablesWritten()].sort().join(",") };
}

/** Encode a function's result for the wire; a result that cannot be encoded is the function's fault. */
function encodeResult(name: string, value: Value): JSONValue {
  try {
    return encodeValue(value);
  } catch (error) {
    throw new FrameworkError("INTERNAL", `${name} returned a value that cannot be sent: ${errorText(error)}`, { cause: error });
  }
}

/** The body bytes a call reserves: its declared length (at most the limit), else the limit. */
function bodyShare(contentLength: string | undefined, maxBodyBytes: number): number {
  const declared = contentLength === undefined ? Number.NaN : Number(contentLength.trim());
  return Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, maxBodyBytes) : maxBodyBytes;
}

/** Whether `error` is the process running out of file descriptors (`EMFILE`/`ENFILE`). */
function outOfDescriptors(error: unknown): boolean {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === "EMFILE" || code === "ENFILE";
}

/** Out of file descriptors is overload (503 with `Retry-After`), not a server fault. */
function descriptorsError(error: unknown): FrameworkError {
  const overloaded = new OverloadedError("the server has no file descriptors left; retry shortly");
  overloaded.cause = error;
  return overloaded;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new FrameworkError("UNAVAILABLE", `the database did not answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

import type { ErrorCode } from "../errors/error-codes.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { FunctionType } from "../functions/function-reference.js";
import type { FunctionRegistry } from "../functions/registry.js";
import type { Admission } from "../http/admission.js";
import { requestIdentity } from "../http/authenticate.js";
import type { CoreRequest, CoreResponse } from "../http/core-types.js";
import { isValidFunctionName } from "../http/function-name-pattern.js";
import type { ResolvedHandlerOptions } from "../http/handler-options.js";
import { isJsonContentType } from "../http/handle-request.js";
import { convexFailure, convexSuccess } from "./convex-response.js";
import { parseConvexRequest } from "./convex-request.js";
import { convoyNameFromConvexPath, convoyNameFromRunPath } from "./function-path.js";

/** A Convex HTTP API endpoint: `/api/query`, `/api/mutation`, `/api/action`, `/api/function` or `/api/run/<path>`. */
export type ConvexEndpoint = { endpoint: "query" | "mutation" | "action" | "function" } | { endpoint: "run"; rawPath: string };

/** What a Convex call needs from the core handler. */
export interface ConvexCallDeps {
  options: ResolvedHandlerOptions;
  admission: Admission;
  /** The core handler's `onCall` report. */
  reportCall(name: string, kind: FunctionType, started: number, code: ErrorCode | undefined): void;
}

/** Convex's name for a function type in its messages. */
const KIND_LABEL: Record<string, string> = { query: "Query", mutation: "Mutation", action: "Action" };

/** Thrown before a call when the function is not there, with Convex's message. */
class MissingFunction extends FrameworkError {
  constructor(message: string) {
    super("NOT_FOUND", message);
  }
}

/**
 * Answers Convex's HTTP API (what `ConvexHttpClient` speaks) over the same runtime, auth,
 * admission and `onCall` hook as Convoy's own routes. Only `POST`.
 */
export function createConvexCaller(deps: ConvexCallDeps): (request: CoreRequest, route: ConvexEndpoint, headers: Record<string, string>) => Promise<CoreResponse> {
  const { options, admission } = deps;
  return async (request, route, headers) => {
    const started = performance.now();
    let name = route.endpoint === "run" ? route.rawPath : "";
    let kind: FunctionType = route.endpoint === "mutation" || route.endpoint === "action" ? route.endpoint : "query";
    let ranFunction = false;
    let leave: (() => void) | undefined;
    try {
      if (request.method !== "POST") {
        headers.Allow = "POST";
        throw new FrameworkError("METHOD_NOT_ALLOWED", `${request.method} is not allowed here; use POST`);
      }
      leave = admission.enter(bodyShare(request.header("content-length"), options.limits.maxBodyBytes));
      const authorization = request.header("authorization");
      const identity = authorization === undefined ? null : await requestIdentity(authorization, options.verifyToken, headers);
      if (!isJsonContentType(request.header("content-type"))) {
        throw new FrameworkError("UNSUPPORTED_MEDIA_TYPE", 'send the body as JSON with "Content-Type: application/json"');
      }
      const call = parseConvexRequest(await request.readBody(), options.limits, route.endpoint === "run");
      name = route.endpoint === "run" ? convoyNameFromRunPath(decodePath(route.rawPath)) : convoyNameFromConvexPath(call.path!);
      ranFunction = true;
      if (!isValidFunctionName(name)) throw new MissingFunction(notFoundMessage(name));
      kind = resolveKind(options.runtime, name, route.endpoint === "run" || route.endpoint === "function" ? undefined : kind);
      const { value } = await options.runtime.run(kind, name, call.args, { allowInternal: false, identity });
      const response = convexSuccess(value, call.format, headers);
      deps.reportCall(name, kind, started, undefined);
      return response;
    } catch (error) {
      const failure = convexFailure(error, { dev: options.dev, ranFunction }, headers);
      if (failure.serverFault) options.logger.error(`convoy: ${failure.code}${failure.errorId === undefined ? "" : ` (error id ${failure.errorId})`}: ${errorText(error)}`, error);
      if (name !== "") deps.reportCall(name, kind, started, failure.code);
      return failure.response;
    } finally {
      leave?.();
    }
  };
}

/**
 * The kind to run `name` as: `wanted`, after checking with the registry (when the runtime has
 * one) that a public function of that kind exists, with Convex's messages; without `wanted`
 * (`/api/run`), the function's own kind.
 */
function resolveKind(runtime: ResolvedHandlerOptions["runtime"], name: string, wanted: FunctionType | undefined): FunctionType {
  const registry = (runtime as { registry?: FunctionRegistry }).registry;
  if (registry === undefined) return wanted ?? "query";
  const entry = registry.get(name);
  if (entry === undefined || entry.visibility !== "public") throw new MissingFunction(notFoundMessage(name));
  if (wanted !== undefined && entry.kind !== wanted) {
    throw new MissingFunction(`Trying to execute ${name} as ${KIND_LABEL[wanted] ?? wanted}, but it is defined as ${KIND_LABEL[entry.kind] ?? entry.kind}.`);
  }
  return entry.kind;
}

function notFoundMessage(name: string): string {
  return `Could not find public function for '${name}'.`;
}

function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    throw new FrameworkError("BAD_REQUEST", "the function path in the URL has malformed percent-encoding");
  }
}

/** The body bytes a call reserves: its declared length (at most the limit), else the limit. */
function bodyShare(contentLength: string | undefined, maxBodyBytes: number): number {
  const declared = contentLength === undefined ? Number.NaN : Number(contentLength.trim());
  return Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, maxBodyBytes) : maxBodyBytes;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

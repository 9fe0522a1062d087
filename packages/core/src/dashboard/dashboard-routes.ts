import { FrameworkError } from "../errors/framework-error.js";
import type { CoreRequest, CoreResponse } from "../http/core-types.js";
import { errorResponse } from "../http/error-response.js";
import type { ExtraRoutes } from "../http/handler-options.js";
import { isJsonContentType } from "../http/handle-request.js";
import { jsonResponse } from "../http/json-response.js";
import { serveStaticFile } from "../http/static-files.js";
import type { Runtime } from "../runtime/index.js";
import { decodeValue, encodeValue } from "../values/encoding.js";
import type { JSONValue } from "../values/value.js";
import { DASHBOARD_ASSETS_DIR } from "./assets-dir.js";
import type { CallLog } from "./call-log.js";
import { checkDevRequest } from "./dev-guard.js";
import { readSyncHistory, recordedSchemaHash } from "./sync-history.js";
import { listTables, readDocuments } from "./table-data.js";

/** Where the dashboard's page is served (also at `/` when no web app is). */
export const DASHBOARD_PATH = "/_dashboard/";
/** The prefix of the dashboard's JSON API (dev only). */
export const DEV_API_PREFIX = "/api/_dev/";

/** What the dashboard reads from. */
export interface DashboardOptions {
  /** The runtime serving now (it changes when the schema does). */
  runtime: () => Runtime;
  /** The recent calls, for the live tail. */
  calls: CallLog;
  /** Serve the page at `/` too (when `convoy dev` serves no web app there). */
  atRoot: boolean;
}

/**
 * `convoy dev`'s dashboard as extra routes of the HTTP handler: the page (`/_dashboard/`, and
 * `/` when `atRoot`) and its JSON API under `/api/_dev/` (loopback only, see
 * {@link checkDevRequest}):
 *
 * - `GET tables`: tables, document counts, indexes with their SQL
 * - `GET tables/<name>/documents?cursor=&limit=`: a page of documents, newest first
 * - `GET functions`: every function (internal ones too) with its validators
 * - `POST run` `{kind, name, args}`: run any function; `{value}` or `{error}`
 * - `GET calls?after=<seq>`: the calls since `seq`
 * - `GET schema`: the tables' validators and indexes, and the last sync log entries
 */
export function createDashboardRoutes(options: DashboardOptions): ExtraRoutes {
  return async (request) => {
    const path = request.path;
    if (path === "/api/_dev" || path.startsWith(DEV_API_PREFIX)) {
      try {
        checkDevRequest(request);
        return await answerApi(options, request, path.slice(DEV_API_PREFIX.length));
      } catch (error) {
        return errorJson(error);
      }
    }
    if (request.method !== "GET" && request.method !== "HEAD") return null;
    if (path === "/_dashboard") return { status: 308, headers: { Location: DASHBOARD_PATH }, body: "" };
    if (path.startsWith(DASHBOARD_PATH)) return (await serveStaticFile(DASHBOARD_ASSETS_DIR, path.slice(DASHBOARD_PATH.length - 1))) ?? notFound(path);
    if (options.atRoot && (path === "/" || path === "/index.html")) return serveStaticFile(DASHBOARD_ASSETS_DIR, "/");
    return null;
  };
}

function errorJson(error: unknown): CoreResponse {
  const { status, body } = errorResponse(error, { dev: true });
  return jsonResponse(status, body);
}

function notFound(path: string): CoreResponse {
  return errorJson(new FrameworkError("NOT_FOUND", `nothing at ${JSON.stringify(path)}`));
}

function expectMethod(request: CoreRequest, method: "GET" | "POST"): void {
  if (request.method === method || (method === "GET" && request.method === "HEAD")) return;
  throw new FrameworkError("METHOD_NOT_ALLOWED", `${request.method} is not allowed here; use ${method}`);
}

function integerParam(search: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = search.get(name);
  if (raw === null || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new FrameworkError("BAD_REQUEST", `${name} must be an integer`);
  return Math.min(max, Math.max(min, value));
}

const DOCUMENTS = /^tables\/([^/]+)\/documents$/;

async function answerApi(options: DashboardOptions, request: CoreRequest, route: string): Promise<CoreResponse> {
  const search = new URLSearchParams(request.search);
  const runtime = options.runtime();
  if (route === "tables") {
    expectMethod(request, "GET");
    return jsonResponse(200, { pgSchema: runtime.catalog.pgSchema, tables: await listTables(runtime.driver, runtime.catalog) });
  }
  const documents = DOCUMENTS.exec(route);
  if (documents !== null) {
    expectMethod(request, "GET");
    const page = await readDocuments(runtime.driver, runtime.catalog, decodeURIComponent(documents[1]!), search.get("cursor") || null, integerParam(search, "limit", 25, 1, 200));
    return jsonResponse(200, page);
  }
  if (route === "functions") {
    expectMethod(request, "GET");
    const functions = runtime.registry.entries().map((entry) => ({
      name: entry.name,
      kind: entry.kind,
      visibility: entry.visibility,
      args: JSON.parse(entry.fn.exportArgs()) as JSONValue,
      returns: JSON.parse(entry.fn.exportReturns()) as JSONValue,
    }));
    return jsonResponse(200, { functions });
  }
  if (route === "run") {
    expectMethod(request, "POST");
    return runFunction(runtime, request);
  }
  if (route === "calls") {
    expectMethod(request, "GET");
    return jsonResponse(200, { calls: options.calls.since(integerParam(search, "after", 0, 0, Number.MAX_SAFE_INTEGER)) });
  }
  if (route === "schema") {
    expectMethod(request, "GET");
    const tables = [...runtime.catalog.tables.values()].map((table) => ({
      name: table.name,
      validator: table.validator.json as unknown as JSONValue,
      indexes: [...table.indexes.values()].map((index) => ({ name: index.name, fields: index.fields })),
    }));
    return jsonResponse(200, {
      pgSchema: runtime.catalog.pgSchema,
      schemaValidation: runtime.catalog.schemaValidation,
      recordedHash: await recordedSchemaHash(runtime.driver),
      tables,
      syncLog: await readSyncHistory(runtime.driver, integerParam(search, "limit", 10, 1, 100)),
    });
  }
  throw new FrameworkError("NOT_FOUND", `no dev API route ${JSON.stringify(route)}`);
}

/** `POST run`: any function, internal ones too; the call shows up in the call log like any other. */
async function runFunction(runtime: Runtime, request: CoreRequest): Promise<CoreResponse> {
  if (!isJsonContentType(request.header("content-type"))) {
    throw new FrameworkError("UNSUPPORTED_MEDIA_TYPE", 'send the body as JSON with "Content-Type: application/json"');
  }
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(await request.readBody()));
  } catch (error) {
    if (error instanceof FrameworkError) throw error;
    throw new FrameworkError("BAD_REQUEST", "the body is not valid JSON");
  }
  const { kind, name, args } = (typeof body === "object" && body !== null ? body : {}) as { kind?: unknown; name?: unknown; args?: unknown };
  if ((kind !== "query" && kind !== "mutation") || typeof name !== "string") {
    throw new FrameworkError("BAD_REQUEST", 'send {"kind": "query" | "mutation", "name": "<module>:<function>", "args": {...}}');
  }
  const decoded = decodeValue((args ?? {}) as JSONValue);
  const started = performance.now();
  try {
    const result = await runtime.run(kind, name, decoded, { allowInternal: true });
    return jsonResponse(200, { value: encodeValue(result.value), durationMs: performance.now() - started, attempts: result.attempts });
  } catch (error) {
    return errorJson(error);
  }
}

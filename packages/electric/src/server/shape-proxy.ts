import {
  createTokenVerifier,
  ERROR_CODES,
  FrameworkError,
  identityFromHeader,
  isFrameworkError,
  type AuthConfig,
  type RulesDefinition,
  type Runtime,
  type TokenVerifier,
  type UserIdentity,
} from "@convoy/core/server";
import { filterMessages, type ShapeMessage } from "./filter-messages.js";
import { parseShapeRequest, type ShapeRequest } from "./shape-request.js";
import { SHAPE_SCHEMA } from "./shape-rows.js";

/** Options of {@link createShapeProxy}. */
export interface ShapeProxyOptions {
  /** Electric's shape endpoint, e.g. `http://localhost:3000/v1/shape`. */
  electricUrl: string | URL;
  /** The app's runtime: its catalog names the tables, its database evaluates the read rules. */
  runtime: Runtime;
  /** The app's table rules (the default export of `convoy/rules.ts`); omitted: every row is readable. */
  rules?: RulesDefinition | undefined;
  /** Verifies bearer tokens; share the one your handlers use (`createTokenVerifier(authConfig)`). */
  verifyToken?: TokenVerifier | undefined;
  /** Or the auth config itself (a verifier is created from it). */
  auth?: AuthConfig | undefined;
  /** Tables clients may request (default: every table of the schema). */
  tables?: readonly string[] | undefined;
  /** Sent to Electric with every request and never to clients, e.g. `{ secret: process.env.ELECTRIC_SECRET }`. */
  electricParams?: Readonly<Record<string, string>> | undefined;
  /** The `fetch` used to reach Electric (default: the global one). */
  fetch?: typeof fetch | undefined;
  /** Where unexpected errors are reported (default `console.error`); the client gets a 500 without details. */
  onError?: ((error: unknown) => void) | undefined;
}

/** A fetch-style handler: a shape request in, the caller's view of the shape out. */
export type ShapeProxy = (request: Request) => Promise<Response>;

/** Electric's response headers relayed to the client (the schema is rewritten: see shape-rows.ts). */
const RELAYED_HEADERS = ["electric-handle", "electric-offset", "electric-cursor", "electric-up-to-date", "electric-snapshot"];

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function errorResponse(error: FrameworkError): Response {
  const headers = new Headers({ "content-type": "application/json", "cache-control": "no-store" });
  if (error.code === "UNAUTHENTICATED") headers.set("www-authenticate", 'Bearer error="invalid_token"');
  return new Response(JSON.stringify({ error: { code: error.code, message: error.message } }), { status: ERROR_CODES[error.code], headers });
}

/**
 * Serves Electric shapes of Convoy tables behind Convoy's auth and rules. Each request is
 * authenticated (`Authorization: Bearer`, as Convoy's HTTP API: no header is anonymous, a bad
 * token is 401), its table checked against the schema and `tables`, its `where` parsed into the
 * narrow grammar of `parseShapeWhere` (anything else is 400, and Electric is not contacted),
 * then Electric is asked for the shape with full rows, and every row of its answer goes
 * through the table's read rule for the caller before it is relayed (see `filterMessages`).
 *
 * ```ts
 * const proxy = createShapeProxy({ electricUrl: "http://localhost:3000/v1/shape", runtime, rules, auth: authConfig });
 * createServer(toNodeListener(proxy)).listen(3001); // or mount `proxy` in any fetch-style router
 * ```
 */
export function createShapeProxy(options: ShapeProxyOptions): ShapeProxy {
  const { runtime, rules } = options;
  const verifyToken = options.verifyToken ?? (options.auth === undefined ? undefined : createTokenVerifier(options.auth));
  const allowedTables = options.tables === undefined ? undefined : new Set(options.tables);
  const electricUrl = new URL(options.electricUrl);
  const fetchElectric = options.fetch ?? fetch;
  const onError = options.onError ?? ((error: unknown) => console.error("convoy electric proxy:", error));

  const tableOf = (name: string) => {
    const table = runtime.catalog.tables.get(name);
    if (table === undefined || (allowedTables !== undefined && !allowedTables.has(name))) throw new FrameworkError("NOT_FOUND", `no shape of table "${name.slice(0, 64)}" is served`);
    const readRule = rules?.tables.get(name)?.read;
    if (rules !== undefined && readRule === undefined && rules.defaultPolicy === "deny") {
      throw new FrameworkError("FORBIDDEN", `table "${name}" has no read rule and defaultPolicy is "deny"`);
    }
    return table;
  };

  const upstreamUrl = (request: ShapeRequest): URL => {
    const url = new URL(electricUrl);
    url.searchParams.set("table", `${quoteIdentifier(runtime.catalog.pgSchema)}.${quoteIdentifier(request.table)}`);
    url.searchParams.set("replica", "full");
    if (request.where !== null) {
      url.searchParams.set("where", request.where.sql);
      request.where.params.forEach((value, i) => url.searchParams.set(`params[${i + 1}]`, value));
    }
    for (const [name, value] of request.protocol) url.searchParams.set(name, value);
    for (const [name, value] of Object.entries(options.electricParams ?? {})) url.searchParams.set(name, value);
    return url;
  };

  const relay = async (upstream: Response, identity: UserIdentity | null, table: ReturnType<typeof tableOf>): Promise<Response> => {
    const headers = new Headers({ "cache-control": "no-store", vary: "authorization" });
    for (const name of RELAYED_HEADERS) {
      const value = upstream.headers.get(name);
      if (value !== null) headers.set(name, value);
    }
    if (upstream.headers.has("electric-schema")) headers.set("electric-schema", SHAPE_SCHEMA);
    if (upstream.status === 204) return new Response(null, { status: 204, headers });
    if (upstream.status !== 200 && upstream.status !== 409) {
      // Electric's own errors (a bad offset, an unknown handle …) carry no rows: relayed as they are.
      headers.set("content-type", upstream.headers.get("content-type") ?? "application/json");
      return new Response(await upstream.text(), { status: upstream.status, headers });
    }
    const messages = (await upstream.json()) as ShapeMessage[];
    if (!Array.isArray(messages)) throw new FrameworkError("INTERNAL", "Electric answered a shape request with something else than a list of messages");
    const visible = await filterMessages(messages, { runtime, rules, identity, table });
    headers.set("content-type", "application/json");
    return new Response(JSON.stringify(visible), { status: upstream.status, headers });
  };

  return async (request) => {
    try {
      if (request.method !== "GET") throw new FrameworkError("METHOD_NOT_ALLOWED", "shape requests are GET requests");
      const identity = await identityFromHeader(request.headers.get("authorization") ?? undefined, verifyToken);
      const shape = parseShapeRequest(new URL(request.url).searchParams);
      const table = tableOf(shape.table);
      let upstream: Response;
      try {
        upstream = await fetchElectric(upstreamUrl(shape), { signal: request.signal, headers: { accept: "application/json" } });
      } catch (error) {
        if (request.signal.aborted) throw error;
        throw new FrameworkError("UNAVAILABLE", "the Electric service cannot be reached; retry later", { cause: error });
      }
      return await relay(upstream, identity, table);
    } catch (error) {
      if (isFrameworkError(error) && error.code !== "INTERNAL") return errorResponse(error);
      if (request.signal.aborted) return new Response(null, { status: 499 });
      onError(error);
      return errorResponse(new FrameworkError("INTERNAL", "internal server error"));
    }
  };
}

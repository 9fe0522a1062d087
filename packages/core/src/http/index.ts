/**
 * Convoy's HTTP API (SPEC §6), mountable anywhere: a `node:http` handler (also Express/Connect
 * middleware), a Web-standard `fetch` handler, and a ready `node:http` server.
 *
 * ```ts
 * import { createServer, createHandler, createFetchHandler } from "./http/index.js";
 *
 * const server = createServer({ runtime, cors: { origins: "*" }, dev: true });
 * server.listen(3700);
 *
 * app.use("/convoy", createHandler({ runtime, basePath: "/convoy" }));   // Express
 * export default { fetch: createFetchHandler({ runtime }) };            // Bun, Deno, workers
 * ```
 *
 * Routes: `POST /api/query/<name>`, `POST /api/mutation/<name>` (body `{"args": {...}}`,
 * `Content-Type: application/json`), `GET /api/query/<name>?args=<url-encoded JSON>`,
 * `GET /api/health`. Success is `200 {"value": <encoded result>}`; failures are
 * `{"error": {"code", "message", "data"?, "path"?}}` with the status of `ERROR_CODES`.
 */
export { createHandler, type NodeHandler } from "./node-handler.js";
export { createFetchHandler, type FetchHandler } from "./fetch-handler.js";
export { createServer, type ServerOptions } from "./create-server.js";
export { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from "./socket-limits.js";
export { OverloadedError } from "./admission.js";
export { errorResponse, type ErrorBody, type ErrorResponse } from "./error-response.js";
export { DEFAULT_LIMITS, type ExtraRoutes, type HttpCallEvent, type CorsOptions, type HandlerOptions, type HttpLimits, type HttpLogger, type MetricsSource, type TokenVerifier } from "./handler-options.js";
export type { CoreRequest, CoreResponse } from "./core-types.js";
export type { HttpRunOptions, HttpRuntime } from "./http-runtime.js";
export { isValidFunctionName } from "./function-name-pattern.js";

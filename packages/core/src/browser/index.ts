/**
 * `@convoy/core/browser`: call Convoy functions from any JavaScript client. Imports nothing from
 * server code.
 *
 * ```ts
 * import { ConvoyClient, ConvoyHttpClient, ConvoyRequestError } from "@convoy/core/browser";
 * import { api } from "../convoy/_generated/api";
 *
 * const client = new ConvoyHttpClient("http://localhost:3700");
 * const messages = await client.query(api.messages.byAuthor, { author: "ada" });
 * await client.mutation(api.messages.send, { author: "ada", body: "hi" });
 *
 * const live = new ConvoyClient("http://localhost:3700"); // WebSocket at /api/sync
 * const stop = live.onUpdate(api.messages.byAuthor, { author: "ada" }, (messages) => render(messages));
 * ```
 */
export { ConvoyClient } from "./convoy-client.js";
export type { ClientAuthTokenFetcher, ConnectionState, ConvoyClientOptions, Unsubscribe } from "./convoy-client-types.js";
export type { ConnectionPhase } from "./sync-connection.js";
export type { BackoffOptions } from "./backoff.js";
export type { WebSocketConstructorLike, WebSocketLike } from "./web-socket-like.js";
export {
  ConvoyHttpClient,
  accessOverlaps,
  type AccessListener,
  type AuthTokenFetcher,
  type CallAccess,
  type CallOptions,
  type ConvoyHttpClientOptions,
} from "./http-client.js";
export { ConvoyRequestError, type ConvoyRequestErrorCode } from "./request-error.js";
export type { ErrorCode } from "../errors/error-codes.js";
export {
  getFunctionName,
  makeFunctionReference,
  type AnyFunctionReference,
  type FunctionArgs,
  type FunctionReference,
  type FunctionReturnType,
  type FunctionType,
  type FunctionVisibility,
} from "../functions/function-reference.js";
export { anyApi } from "../functions/any-api.js";
export { decodeValue, encodeValue } from "../values/encoding.js";
export type { JSONValue, Value } from "../values/value.js";

/**
 * `@convoy/core/browser`: call Convoy functions from any JavaScript client. Imports nothing from
 * server code.
 *
 * ```ts
 * import { ConvoyHttpClient, ConvoyRequestError } from "@convoy/core/browser";
 * import { api } from "../convoy/_generated/api";
 *
 * const client = new ConvoyHttpClient("http://localhost:3700");
 * const messages = await client.query(api.messages.byAuthor, { author: "ada" });
 * await client.mutation(api.messages.send, { author: "ada", body: "hi" });
 * ```
 */
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

import { ERROR_CODES, isErrorCode } from "../errors/error-codes.js";
import { decodeValue } from "../values/encoding.js";
import { ConvoyRequestError } from "./request-error.js";
import type { WireError } from "./sync-protocol.js";

/** A protocol error result as a {@link ConvoyRequestError}, with the status its code has in the HTTP API. */
export function toRequestError(error: WireError): ConvoyRequestError {
  const code = isErrorCode(error.code) ? error.code : "INTERNAL";
  return new ConvoyRequestError(code, error.message, ERROR_CODES[code], {
    ...(error.data === undefined ? {} : { data: decodeValue(error.data) }),
    ...(error.path === undefined ? {} : { path: error.path }),
  });
}

import { FrameworkError } from "../errors/framework-error.js";

/** The body is (or is declared) larger than the limit. */
export function payloadTooLarge(maxBytes: number): FrameworkError {
  return new FrameworkError("PAYLOAD_TOO_LARGE", `the request body is larger than the limit of ${maxBytes} bytes`, { data: { maxBytes } });
}

/** The body did not arrive in time (slow or stalled client). */
export function bodyTimedOut(timeoutMs: number): FrameworkError {
  return new FrameworkError("BAD_REQUEST", `the request body did not arrive within ${timeoutMs} ms`);
}

/** The client went away, or the stream broke, before the body ended. */
export function bodyCutOff(): FrameworkError {
  return new FrameworkError("BAD_REQUEST", "the request body was cut off before its end");
}

/**
 * Whether a `Content-Length` header announces more than `maxBytes`. A malformed header is
 * left to the HTTP parser (Node rejects it before we see the request).
 */
export function declaredTooLarge(contentLength: string | null | undefined, maxBytes: number): boolean {
  if (contentLength === undefined || contentLength === null || !/^\s*\d+\s*$/.test(contentLength)) return false;
  return Number(contentLength) > maxBytes;
}

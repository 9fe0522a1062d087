import type { CoreResponse } from "./core-types.js";

/** Headers of every JSON answer of the API. */
const JSON_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "application/json; charset=utf-8",
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
};

/** A JSON response (`body` must already be JSON-safe). */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): CoreResponse {
  return jsonTextResponse(status, JSON.stringify(body), headers);
}

/** A JSON response whose body is already JSON text. */
export function jsonTextResponse(status: number, text: string, headers: Record<string, string> = {}): CoreResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: text };
}

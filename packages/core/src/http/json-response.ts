import type { CoreResponse } from "./core-types.js";

/** A JSON response (`body` must already be JSON-safe). */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): CoreResponse {
  return jsonTextResponse(status, JSON.stringify(body), headers);
}

/** A JSON response whose body is already JSON text: the headers of every JSON answer of the API, then `headers`. */
export function jsonTextResponse(status: number, text: string, headers: Record<string, string> = {}): CoreResponse {
  // a literal, then assignments: spreading objects of varying shapes takes V8's slow path
  const all: Record<string, string> = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };
  for (const key of Object.keys(headers)) all[key] = headers[key]!;
  return { status, headers: all, body: text };
}

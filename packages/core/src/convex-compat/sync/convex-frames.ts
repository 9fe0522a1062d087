import { encodeU64 } from "./u64.js";

/** Convex's `StateVersion`: the query set and identity versions a client sent, and the timestamp. */
export interface StateVersion {
  querySet: number;
  identity: number;
  ts: number;
}

function stateVersion(version: StateVersion): string {
  return `{"querySet":${version.querySet},"identity":${version.identity},"ts":"${encodeU64(version.ts)}"}`;
}

/** Convex's message and `errorData` (a `ConvoyError`'s data, `APPLICATION_ERROR`) of an error's wire text. */
function failure(text: string): { message: string; errorData: string } {
  const error = JSON.parse(text.slice('"error":'.length)) as { code: string; message: string; data?: unknown };
  const errorData = error.code === "APPLICATION_ERROR" && error.data !== undefined ? `"errorData":${JSON.stringify(error.data)},` : "";
  return { message: JSON.stringify(error.message), errorData };
}

/**
 * A `QueryUpdated` or `QueryFailed` modification from a result's wire text, as the realtime
 * engine serialises it (`"value":…` or `"error":{code, message, data?}`). A `ConvoyError`'s data
 * (`APPLICATION_ERROR`) becomes `errorData`, as on Convex's HTTP API.
 */
export function queryModification(queryId: number, text: string, journal: string | null): string {
  const tail = `"logLines":[],"journal":${JSON.stringify(journal)}`;
  if (text.startsWith('"value":')) return `{"type":"QueryUpdated","queryId":${queryId},${text},${tail}}`;
  const { message, errorData } = failure(text);
  return `{"type":"QueryFailed","queryId":${queryId},"errorMessage":${message},${errorData}${tail}}`;
}

/** `QueryRemoved`. */
export function removedModification(queryId: number): string {
  return `{"type":"QueryRemoved","queryId":${queryId}}`;
}

/** A `Transition` from `start` (the end of the previous one) to `end`. */
export function transitionFrame(start: StateVersion, end: StateVersion, modifications: readonly string[]): string {
  return `{"type":"Transition","startVersion":${stateVersion(start)},"endVersion":${stateVersion(end)},"modifications":[${modifications.join(",")}]}`;
}

/**
 * The body of a `MutationResponse`/`ActionResponse` from a result's wire text (after
 * `"requestId"`): `"success":true,"result":…` or `"success":false,"result":<message>,"errorData"?`.
 */
export function responseBody(text: string): { ok: boolean; body: string } {
  if (text.startsWith('"value":')) return { ok: true, body: `"success":true,"result":${text.slice('"value":'.length)},"logLines":[]` };
  const { message, errorData } = failure(text);
  return { ok: false, body: `"success":false,"result":${message},${errorData}"logLines":[]` };
}

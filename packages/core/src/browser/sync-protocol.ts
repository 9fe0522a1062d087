/**
 * The messages of Convoy's sync protocol v1 (`/api/sync`, see docs/client.md), as the client
 * sends and reads them. Values inside are in Convoy's JSON encoding (`encodeValue`).
 */
import type { JSONValue } from "../values/value.js";

/** The protocol version this client speaks. */
export const SYNC_PROTOCOL_VERSION = 1;

/** The server's largest accepted frame (1 MiB); larger requests fail before they are sent. */
export const MAX_CLIENT_FRAME_BYTES = 1024 * 1024;

/** A request the client sends and expects one answer to. */
export type RequestMessage =
  | { type: "mutation"; requestId: string; name: string; args: JSONValue }
  | { type: "query"; requestId: string; name: string; args: JSONValue };

/** Every message the client sends. */
export type ClientMessage =
  | { type: "connect"; protocol: number; sessionId: string }
  | { type: "authenticate"; token: string | null }
  | { type: "subscribe"; queryId: number; name: string; args: JSONValue }
  | { type: "unsubscribe"; queryId: number }
  | RequestMessage
  | { type: "ping" };

/** An error as the server sends it: the HTTP API's `{ code, message, data? }`. */
export interface WireError {
  code: string;
  message: string;
  data?: JSONValue;
  path?: string;
}

/** One subscription's new result inside a transition. */
export type TransitionResult = { queryId: number; value: JSONValue } | { queryId: number; error: WireError };

/** Every message the client understands (others are ignored, so servers may add some). */
export type ServerMessage =
  | { type: "connected"; protocol: number; version: string }
  | { type: "transition"; version: string; results: TransitionResult[] }
  | { type: "mutationResult"; requestId: string; value?: JSONValue; error?: WireError; version?: string }
  | { type: "queryResult"; requestId: string; value?: JSONValue; error?: WireError }
  | { type: "authenticated"; identity: { tokenIdentifier: string; subject: string; issuer: string } | null }
  | { type: "pong" };

const KNOWN_TYPES: ReadonlySet<string> = new Set(["connected", "transition", "mutationResult", "queryResult", "authenticated", "pong"]);

/** Parses a text frame; `null` for anything that is not a message this client knows. */
export function parseServerMessage(text: string): ServerMessage | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const type = (parsed as { type?: unknown }).type;
  if (typeof type !== "string" || !KNOWN_TYPES.has(type)) return null;
  const message = parsed as ServerMessage;
  if (message.type === "transition" && (!Array.isArray(message.results) || typeof message.version !== "string")) return null;
  if ((message.type === "mutationResult" || message.type === "queryResult") && typeof message.requestId !== "string") return null;
  return message;
}

/** Close codes of the protocol (server → client). */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  tooLarge: 1009,
  internal: 1011,
  protocolViolation: 4400,
  unauthenticated: 4401,
  heartbeatTimeout: 4408,
  limitExceeded: 4429,
} as const;

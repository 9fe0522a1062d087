import { isValidFunctionName } from "../../http/function-name-pattern.js";
import { jsonLimitViolation } from "../../http/json-limits.js";
import { decodeValue } from "../../values/encoding.js";
import type { JSONValue, Value } from "../../values/value.js";

/** A message a client sends on `/api/sync` (protocol 1), decoded and checked. */
export type ClientMessage =
  | { type: "connect"; protocol: 1; sessionId: string }
  | { type: "authenticate"; token: string | null }
  | { type: "subscribe"; queryId: number; name: string; args: Record<string, Value> }
  | { type: "unsubscribe"; queryId: number }
  | { type: "mutation"; requestId: string; name: string; args: Record<string, Value> }
  | { type: "query"; requestId: string; name: string; args: Record<string, Value> }
  | { type: "ping" };

/** A frame that breaks the protocol (the socket closes with 4400 and this reason). */
export class ProtocolViolation extends Error {}

const MAX_ID_LENGTH = 256;
const MAX_TOKEN_LENGTH = 64 * 1024;

function fail(message: string): never {
  throw new ProtocolViolation(message);
}

function stringField(message: Record<string, unknown>, field: string, max: number): string {
  const value = message[field];
  if (typeof value !== "string" || value.length === 0 || value.length > max) fail(`"${field}" must be a non-empty string of at most ${max} characters`);
  return value;
}

function queryIdField(message: Record<string, unknown>): number {
  const value = message.queryId;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) fail(`"queryId" must be a non-negative integer`);
  return value;
}

function nameField(message: Record<string, unknown>): string {
  const name = stringField(message, "name", 256);
  if (!isValidFunctionName(name)) fail(`"name" is not a function name like "module:export"`);
  return name;
}

function argsField(message: Record<string, unknown>): Record<string, Value> {
  const args = message.args ?? {};
  if (typeof args !== "object" || args === null || Array.isArray(args)) fail(`"args" must be an object`);
  let decoded: Value;
  try {
    decoded = decodeValue(args as JSONValue);
  } catch (error) {
    fail(`"args" is not valid Convoy JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return decoded as Record<string, Value>;
}

/**
 * Parse one text frame. Throws {@link ProtocolViolation} for anything but a well-formed
 * message of protocol 1 (not JSON, too deep, unknown type, missing or mistyped fields).
 */
export function parseClientMessage(text: string, limits: { maxDepth: number; maxArrayLength: number }): ClientMessage {
  const violation = jsonLimitViolation(text, limits.maxDepth, limits.maxArrayLength);
  if (violation !== null) fail(violation);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail("the frame is not JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) fail("a message must be a JSON object");
  const message = parsed as Record<string, unknown>;
  switch (message.type) {
    case "connect":
      if (message.protocol !== 1) fail(`unsupported protocol ${JSON.stringify(message.protocol) ?? "undefined"} (this server speaks 1)`);
      return { type: "connect", protocol: 1, sessionId: stringField(message, "sessionId", MAX_ID_LENGTH) };
    case "authenticate": {
      const token = message.token;
      if (token !== null && (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH)) fail(`"token" must be a string or null`);
      return { type: "authenticate", token };
    }
    case "subscribe":
      return { type: "subscribe", queryId: queryIdField(message), name: nameField(message), args: argsField(message) };
    case "unsubscribe":
      return { type: "unsubscribe", queryId: queryIdField(message) };
    case "mutation":
    case "query":
      return { type: message.type, requestId: stringField(message, "requestId", MAX_ID_LENGTH), name: nameField(message), args: argsField(message) };
    case "ping":
      return { type: "ping" };
    default:
      return fail(`unknown message type ${JSON.stringify(message.type) ?? "undefined"}`);
  }
}

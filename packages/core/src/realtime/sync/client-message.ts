import { isValidFunctionName } from "../../http/function-name-pattern.js";
import { decodeValue } from "../../values/encoding.js";
import type { JSONValue, Value } from "../../values/value.js";
import { fail, naturalField, parseFrameObject, stringField } from "./protocol-fields.js";

/** A message a client sends on `/api/sync` (protocol 1), decoded and checked. */
export type ClientMessage =
  | { type: "connect"; protocol: 1; sessionId: string }
  | { type: "authenticate"; token: string | null }
  | { type: "subscribe"; queryId: number; name: string; args: Record<string, Value> }
  | { type: "unsubscribe"; queryId: number }
  | { type: "mutation"; requestId: string; name: string; args: Record<string, Value> }
  | { type: "query"; requestId: string; name: string; args: Record<string, Value> }
  | { type: "ping" };

const MAX_ID_LENGTH = 256;
const MAX_TOKEN_LENGTH = 64 * 1024;

function queryIdField(message: Record<string, unknown>): number {
  return naturalField(message, "queryId");
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
  const message = parseFrameObject(text, limits);
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

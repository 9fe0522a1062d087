import type { ArgsLimits } from "../../http/request-args.js";
import { fail, naturalField, parseFrameObject, stringField } from "../../realtime/sync/protocol-fields.js";
import { isPlainObject } from "../../values/validation-issue.js";
import { convoyNameFromConvexPath } from "../function-path.js";
import { decodeU64 } from "./u64.js";

/** A query added to the query set: Convex's `Add`, its `args` still wire JSON (decoded when run). */
export interface AddQuery {
  type: "Add";
  queryId: number;
  /** Convoy's function name for the client's `udfPath`. */
  name: string;
  args: unknown;
  journal: string | null;
}

/** A `Mutation` or an `Action`. */
export interface FunctionRequest {
  type: "Mutation" | "Action";
  requestId: number;
  name: string;
  args: unknown;
  componentPath: string | undefined;
}

/** A message of Convex's sync protocol from a client, checked (see `protocol.ts` in `convex`). */
export type ConvexClientMessage =
  | { type: "Connect"; sessionId: string; maxObservedTimestamp: number | undefined }
  | { type: "ModifyQuerySet"; baseVersion: number; newVersion: number; modifications: (AddQuery | { type: "Remove"; queryId: number })[] }
  | FunctionRequest
  | { type: "Authenticate"; tokenType: "Admin" | "User" | "None"; baseVersion: number; value: string | undefined }
  | { type: "Event" };

const MAX_ID_LENGTH = 256;
const MAX_TOKEN_LENGTH = 64 * 1024;
const MAX_MODIFICATIONS = 1024;

/** Convoy's name for Convex's canonical `udfPath` (`messages.js:list`, `messages:default`). */
function nameField(message: Record<string, unknown>): string {
  const name = convoyNameFromConvexPath(stringField(message, "udfPath", 256));
  return name.endsWith(":default") ? name.slice(0, -":default".length) : name;
}

/** Convex sends `args` as an array holding the one arguments object. */
function argsField(message: Record<string, unknown>): unknown {
  const args = message.args;
  if (!Array.isArray(args) || args.length !== 1) fail(`"args" must be an array holding one object`);
  return args[0];
}

function componentPathField(message: Record<string, unknown>): string | undefined {
  const path = message.componentPath;
  if (path === undefined || path === null || path === "") return undefined;
  if (typeof path !== "string") fail(`"componentPath" must be a string`);
  return path;
}

function modification(raw: unknown): AddQuery | { type: "Remove"; queryId: number } {
  if (!isPlainObject(raw)) fail("a query set modification must be an object");
  switch (raw.type) {
    case "Add": {
      if (componentPathField(raw) !== undefined) fail("Convoy has no components: \"componentPath\" must be empty");
      const journal = raw.journal ?? null;
      if (journal !== null && (typeof journal !== "string" || journal.length > MAX_TOKEN_LENGTH)) fail(`"journal" must be a string or null`);
      return { type: "Add", queryId: naturalField(raw, "queryId"), name: nameField(raw), args: argsField(raw), journal };
    }
    case "Remove":
      return { type: "Remove", queryId: naturalField(raw, "queryId") };
    default:
      return fail(`unknown query set modification ${JSON.stringify(raw.type) ?? "undefined"}`);
  }
}

/**
 * Parse one text frame of Convex's sync protocol. Throws {@link ProtocolViolation} for
 * anything but a well-formed client message (not JSON, too deep, unknown type, missing or
 * mistyped fields). Argument values are checked when they are used.
 */
export function parseConvexClientMessage(text: string, limits: ArgsLimits): ConvexClientMessage {
  const message = parseFrameObject(text, limits);
  switch (message.type) {
    case "Connect": {
      const observed = message.maxObservedTimestamp;
      let maxObservedTimestamp: number | undefined;
      if (observed !== undefined && observed !== null) {
        maxObservedTimestamp = typeof observed === "string" ? decodeU64(observed) : undefined;
        if (maxObservedTimestamp === undefined) fail(`"maxObservedTimestamp" must be a base64 u64`);
      }
      return { type: "Connect", sessionId: stringField(message, "sessionId", MAX_ID_LENGTH), maxObservedTimestamp };
    }
    case "ModifyQuerySet": {
      const baseVersion = naturalField(message, "baseVersion");
      const newVersion = naturalField(message, "newVersion");
      const modifications = message.modifications;
      if (!Array.isArray(modifications) || modifications.length > MAX_MODIFICATIONS) fail(`"modifications" must be an array of at most ${MAX_MODIFICATIONS}`);
      return { type: "ModifyQuerySet", baseVersion, newVersion, modifications: modifications.map(modification) };
    }
    case "Mutation":
    case "Action":
      return { type: message.type, requestId: naturalField(message, "requestId"), name: nameField(message), args: argsField(message), componentPath: componentPathField(message) };
    case "Authenticate": {
      const baseVersion = naturalField(message, "baseVersion");
      const tokenType = message.tokenType;
      if (tokenType === "None") return { type: "Authenticate", tokenType, baseVersion, value: undefined };
      if (tokenType !== "User" && tokenType !== "Admin") fail(`"tokenType" must be "User", "Admin" or "None"`);
      return { type: "Authenticate", tokenType, baseVersion, value: stringField(message, "value", MAX_TOKEN_LENGTH) };
    }
    case "Event":
      return { type: "Event" };
    default:
      return fail(`unknown message type ${JSON.stringify(message.type) ?? "undefined"}`);
  }
}

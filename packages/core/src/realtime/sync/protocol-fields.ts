import { jsonLimitViolation } from "../../http/json-limits.js";
import { isPlainObject } from "../../values/validation-issue.js";

/** A frame that breaks a sync protocol (the socket closes with 4400 and this reason). */
export class ProtocolViolation extends Error {}

/** Throw a {@link ProtocolViolation}. */
export function fail(message: string): never {
  throw new ProtocolViolation(message);
}

/** One text frame as a JSON object, within the depth and array limits; a violation otherwise. */
export function parseFrameObject(text: string, limits: { maxDepth: number; maxArrayLength: number }): Record<string, unknown> {
  const violation = jsonLimitViolation(text, limits.maxDepth, limits.maxArrayLength);
  if (violation !== null) fail(violation);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail("the frame is not JSON");
  }
  if (!isPlainObject(parsed)) fail("a message must be a JSON object");
  return parsed;
}

/** A non-empty string field of at most `max` characters. */
export function stringField(message: Record<string, unknown>, field: string, max: number): string {
  const value = message[field];
  if (typeof value !== "string" || value.length === 0 || value.length > max) fail(`"${field}" must be a non-empty string of at most ${max} characters`);
  return value;
}

/** A non-negative safe integer field. */
export function naturalField(message: Record<string, unknown>, field: string): number {
  const value = message[field];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) fail(`"${field}" must be a non-negative integer`);
  return value;
}

import type { JSONValue } from "./value.js";

/** How an object field is described in {@link ValidatorJSON}. */
export interface ObjectFieldJSON {
  fieldType: ValidatorJSON;
  optional: boolean;
}

/** The keys of a record: strings, ids, string literals, or a union of them. */
export type RecordKeyValidatorJSON =
  | { type: "string" }
  | { type: "id"; tableName: string }
  | { type: "literal"; value: string }
  | { type: "union"; value: RecordKeyValidatorJSON[] };

/**
 * A validator described as plain JSON, in Convex's format, so schemas can be stored, diffed
 * and rebuilt ({@link validatorFromJSON}).
 *
 * @example
 * const json: ValidatorJSON = { type: "object", value: { a: { fieldType: { type: "string" }, optional: false } } };
 */
export type ValidatorJSON =
  | { type: "null" }
  | { type: "number" }
  | { type: "bigint" }
  | { type: "boolean" }
  | { type: "string" }
  | { type: "bytes" }
  | { type: "any" }
  | { type: "literal"; value: JSONValue }
  | { type: "id"; tableName: string }
  | { type: "array"; value: ValidatorJSON }
  | { type: "record"; keys: RecordKeyValidatorJSON; values: ObjectFieldJSON & { optional: false } }
  | { type: "object"; value: Record<string, ObjectFieldJSON> }
  | { type: "union"; value: ValidatorJSON[] };

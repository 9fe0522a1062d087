import { FrameworkError } from "../errors/framework-error.js";
import { decodeValue } from "./encoding.js";
import { isPlainObject } from "./validation-issue.js";
import type { ValidatorJSON } from "./validator-json.js";
import { v } from "./v.js";
import type { GenericValidator, RequiredValidator } from "./validators.js";
import type { JSONValue } from "./value.js";

/**
 * A validator described as plain JSON (Convex's format).
 *
 * @example
 * validatorToJSON(v.array(v.int64())); // { type: "array", value: { type: "bigint" } }
 */
export function validatorToJSON(validator: GenericValidator): ValidatorJSON {
  return validator.json;
}

/**
 * Rebuild a validator from its JSON description. Optional object fields come back as
 * `v.optional(...)`. Throws a `FrameworkError` (`BAD_REQUEST`) for malformed JSON.
 *
 * @example
 * const validator = validatorFromJSON({ type: "id", tableName: "users" }); // v.id("users")
 */
export function validatorFromJSON(json: ValidatorJSON): GenericValidator {
  return fromJSON(json, "validator");
}

function fromJSON(json: unknown, where: string): RequiredValidator {
  if (!isPlainObject(json) || typeof json.type !== "string") throw malformed(where, "expected an object with a string `type`");
  switch (json.type) {
    case "string":
      return v.string();
    case "number":
      return v.float64();
    case "bigint":
      return v.int64();
    case "boolean":
      return v.boolean();
    case "null":
      return v.null();
    case "any":
      return v.any();
    case "bytes":
      return v.bytes();
    case "id":
      if (typeof json.tableName !== "string") throw malformed(where, "`id` needs a string `tableName`");
      return v.id(json.tableName);
    case "literal": {
      const value = decodeValue(json.value as JSONValue);
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "bigint" && typeof value !== "boolean") {
        throw malformed(where, "`literal` needs a string, number, bigint or boolean `value`");
      }
      return v.literal(value);
    }
    case "array":
      return v.array(fromJSON(json.value, `${where}.value`));
    case "object": {
      if (!isPlainObject(json.value)) throw malformed(where, "`object` needs a `value` object");
      const fields: Record<string, GenericValidator> = {};
      for (const name of Object.keys(json.value)) {
        const field = json.value[name];
        if (!isPlainObject(field) || typeof field.optional !== "boolean") {
          throw malformed(`${where}.value.${name}`, "expected { fieldType, optional }");
        }
        const validator = fromJSON(field.fieldType, `${where}.value.${name}.fieldType`);
        Object.defineProperty(fields, name, { value: field.optional ? v.optional(validator) : validator, enumerable: true, writable: true, configurable: true });
      }
      return v.object(fields);
    }
    case "record": {
      if (!isPlainObject(json.values)) throw malformed(where, "`record` needs a `values` object");
      return v.record(fromJSON(json.keys, `${where}.keys`) as RequiredValidator & { type: string }, fromJSON(json.values.fieldType, `${where}.values.fieldType`));
    }
    case "union":
      if (!Array.isArray(json.value)) throw malformed(where, "`union` needs a `value` array");
      return v.union(...json.value.map((member: unknown, index) => fromJSON(member, `${where}.value[${index}]`)));
    default:
      throw malformed(where, `unknown validator type ${JSON.stringify(json.type)}`);
  }
}

function malformed(where: string, reason: string): FrameworkError {
  return new FrameworkError("BAD_REQUEST", `malformed validator JSON at ${where}: ${reason}`);
}

/**
 * `@convoy/core/values`: validators, value types, the JSON wire encoding and `ConvoyError`.
 *
 * ```ts
 * import { v, type Infer, encodeValue, decodeValue, ConvoyError } from "@convoy/core/values";
 *
 * const message = v.object({ author: v.id("users"), body: v.string(), likes: v.optional(v.int64()) });
 * type Message = Infer<typeof message>; // { author: GenericId<"users">; body: string; likes?: bigint }
 *
 * validateValue(message, { author: "u1", body: 7 }, "args")?.message; // "args.body: expected string, got number"
 * encodeValue({ likes: 1n });                     // { likes: { $integer: "AQAAAAAAAAA=" } }
 * decodeValue({ likes: { $integer: "AQAAAAAAAAA=" } }); // { likes: 1n }
 * throw new ConvoyError({ reason: "sold out" });
 * ```
 */
export { v, type Infer, type ObjectType } from "./v.js";
export {
  VAny,
  VArray,
  VBoolean,
  VBytes,
  VFloat64,
  VId,
  VInt64,
  VLiteral,
  VNull,
  VObject,
  VRecord,
  VString,
  VUnion,
  type GenericValidator,
  type JoinFieldPaths,
  type LiteralValue,
  type ObjectFieldPaths,
  type OptionalProperty,
  type PropertyValidators,
  type RequiredValidator,
  type Validator,
  type ValidatorKind,
  type VOptional,
} from "./validators.js";
export type { ObjectFieldJSON, RecordKeyValidatorJSON, ValidatorJSON } from "./validator-json.js";
export { validatorFromJSON, validatorToJSON } from "./validator-from-json.js";
export { describeValidator, validateValue } from "./validate-value.js";
export { assertValue, checkValue } from "./check-value.js";
export { formatPath, typeName, validationError, type PathSegment, type ValidationIssue } from "./validation-issue.js";
export { decodeValue, encodeValue } from "./encoding.js";
/** The storage form of values in the `jsonb` columns (what `psql`, or a shape of the table, shows): `fromStored` decodes it. */
export { fromStored, type StoredValue } from "../storage/stored-value.js";
export { ConvoyError, isConvoyError } from "./convoy-error.js";
/** Convex's name for {@link ConvoyError}, so Convex app code runs unchanged. */
export { ConvoyError as ConvexError } from "./convoy-error.js";
export { MAX_INT64, MIN_INT64 } from "./int64.js";
export { MAX_VALUE_DEPTH, type GenericId, type JSONValue, type Value } from "./value.js";
export { compareValues, compareStrings } from "./compare.js";

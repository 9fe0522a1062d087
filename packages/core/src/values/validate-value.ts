import { checkAnyValue, depthFailure } from "./check-value.js";
import { tableTag, tagOfId } from "./id-format.js";
import { int64RangeReason } from "./int64.js";
import { reservedKeyReason } from "./reserved-keys.js";
import { at, describeReceived, fail, isArrayBuffer, isPlainObject, toIssue, typeName, type Failure, type ValidationIssue } from "./validation-issue.js";
import type { GenericValidator, ValidatorKind } from "./validators.js";
import { MAX_VALUE_DEPTH } from "./value.js";

/**
 * Check a value against a validator. Returns `null` when it matches, else the first issue,
 * whose message names the path from `rootLabel`. Objects are strict (extra fields are
 * rejected), keys starting with `$` and `__proto__` are rejected at any depth, and object
 * fields set to `undefined` count as absent. `undefined` itself passes only an optional
 * validator.
 *
 * @example
 * const args = v.object({ author: v.string(), limit: v.optional(v.number()) });
 * validateValue(args, { author: 1 }, "args")?.message; // "args.author: expected string, got number"
 * validateValue(args, { author: "ada" }, "args");      // null
 */
export function validateValue(validator: GenericValidator, value: unknown, rootLabel = "value"): ValidationIssue | null {
  if (value === undefined && validator.isOptional === "optional") return null;
  const failure = check(validator, value, 0);
  return failure === null ? null : toIssue(failure, rootLabel);
}

type OfKind<TKind extends ValidatorKind> = Extract<GenericValidator, { kind: TKind }>;

function check(validator: GenericValidator, value: unknown, depth: number): Failure | null {
  switch (validator.kind) {
    case "string":
      return typeof value === "string" ? null : expected(validator, value);
    case "id":
      return checkId(validator, value);
    case "float64":
      return typeof value === "number" ? null : expected(validator, value);
    case "int64":
      if (typeof value !== "bigint") return expected(validator, value);
      return nullOrFail(int64RangeReason(value));
    case "boolean":
      return typeof value === "boolean" ? null : expected(validator, value);
    case "null":
      return value === null ? null : expected(validator, value);
    case "bytes":
      return isArrayBuffer(value) ? null : expected(validator, value);
    case "literal":
      return Object.is(value, validator.value) ? null : expected(validator, value);
    case "any":
      return value === undefined ? fail("expected a value, got undefined") : checkAnyValue(value, depth);
    case "array": {
      if (!Array.isArray(value)) return expected(validator, value);
      if (depth >= MAX_VALUE_DEPTH) return depthFailure();
      const element = validator.element;
      for (let index = 0; index < value.length; index++) {
        const failure = check(element, value[index], depth + 1);
        if (failure !== null) return at(failure, index);
      }
      return null;
    }
    case "object":
      return checkObject(validator, value, depth);
    case "record":
      return checkRecord(validator, value, depth);
    case "union":
      return checkUnion(validator, value, depth);
  }
}

/** As Convex: the string must be an id, and of the validator's table (ids carry a table tag). */
function checkId(validator: OfKind<"id">, value: unknown): Failure | null {
  if (typeof value !== "string") return expected(validator, value);
  const tag = tagOfId(value);
  if (tag === null) return fail(`expected ${describeValidator(validator)}, got a string that is not a document id: ${describeReceived(value, true)}`);
  if (tag !== tableTag(validator.tableName)) return fail(`expected ${describeValidator(validator)}, got an id of another table`);
  return null;
}

function checkObject(validator: OfKind<"object">, value: unknown, depth: number): Failure | null {
  if (!isPlainObject(value)) return expected(validator, value);
  if (depth >= MAX_VALUE_DEPTH) return depthFailure();
  const fields = validator.fields;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const fieldValue = value[key];
    if (fieldValue === undefined) continue;
    const reserved = reservedKeyReason(key);
    if (reserved !== null) return at(fail(reserved), key);
    if (!Object.hasOwn(fields, key)) return at(fail(`unexpected field ${JSON.stringify(key)}`), key);
    const failure = check(fields[key]!, fieldValue, depth + 1);
    if (failure !== null) return at(failure, key);
  }
  for (const key in fields) {
    if (!Object.hasOwn(fields, key) || fields[key]!.isOptional === "optional") continue;
    if (!Object.hasOwn(value, key) || value[key] === undefined) return at(fail("missing required field"), key);
  }
  return null;
}

function checkRecord(
  validator: OfKind<"record">,
  value: unknown,
  depth: number,
): Failure | null {
  if (!isPlainObject(value)) return expected(validator, value);
  if (depth >= MAX_VALUE_DEPTH) return depthFailure();
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const fieldValue = value[key];
    if (fieldValue === undefined) continue;
    const reserved = reservedKeyReason(key);
    if (reserved !== null) return at(fail(reserved), key);
    const keyFailure = check(validator.key, key, depth + 1);
    if (keyFailure !== null) return at(fail(`invalid key ${JSON.stringify(key)}: ${keyFailure.reason}`), key);
    const failure = check(validator.value, fieldValue, depth + 1);
    if (failure !== null) return at(failure, key);
  }
  return null;
}

function checkUnion(validator: OfKind<"union">, value: unknown, depth: number): Failure | null {
  let only: Failure | null = null;
  let plausible = 0;
  for (const member of validator.members) {
    const failure = check(member, value, depth);
    if (failure === null) return null;
    if (member.kind !== "literal" && member.kind !== "union" && accepts(member, typeName(value))) {
      plausible++;
      only = failure;
    }
  }
  // One member has the value's shape (e.g. the only object member): its issue is the useful one.
  if (plausible === 1 && only !== null) return only;
  return expected(validator, value);
}

/** Whether a validator accepts some value of the given type name (as `typeName` gives it). */
function accepts(validator: GenericValidator, type: string): boolean {
  switch (validator.kind) {
    case "string":
    case "id":
      return type === "string";
    case "float64":
      return type === "number";
    case "int64":
      return type === "bigint";
    case "boolean":
    case "null":
    case "bytes":
    case "array":
    case "object":
      return type === validator.kind;
    case "record":
      return type === "object";
    case "literal":
      return typeof validator.value === type;
    case "any":
      return true;
    case "union":
      return validator.members.some((member) => accepts(member, type));
  }
}

function nullOrFail(reason: string | null): Failure | null {
  return reason === null ? null : fail(reason);
}

function expected(validator: GenericValidator, value: unknown): Failure {
  return fail(`expected ${describeValidator(validator)}, got ${describeReceived(value, hasLiteral(validator))}`);
}

function hasLiteral(validator: GenericValidator): boolean {
  return validator.kind === "literal" || (validator.kind === "union" && validator.members.some(hasLiteral));
}

/**
 * A short description of what a validator accepts, for messages: `string`, `Id<"users">`,
 * `"admin"`, `3n`, `string | number | null`.
 */
export function describeValidator(validator: GenericValidator): string {
  switch (validator.kind) {
    case "float64":
      return "number";
    case "int64":
      return "bigint";
    case "id":
      return `Id<${JSON.stringify(validator.tableName)}>`;
    case "literal":
      return describeReceived(validator.value, true);
    case "record":
      return "object";
    case "union": {
      const names = [...new Set(validator.members.map(describeValidator))];
      return names.length === 0 ? "nothing (empty union)" : names.join(" | ");
    }
    default:
      return validator.kind;
  }
}

import type { StandardSchemaV1 } from "@standard-schema/spec";
import { FrameworkError } from "../errors/framework-error.js";
import { encodeValue } from "./encoding.js";
import { invalidFieldNameReason } from "./reserved-keys.js";
import { validateValue } from "./validate-value.js";
import { isPlainObject } from "./validation-issue.js";
import type { ObjectFieldJSON, RecordKeyValidatorJSON, ValidatorJSON } from "./validator-json.js";
import type { GenericId } from "./value.js";

/** Whether a validator is an optional object field (`v.optional(...)`) or a required one. */
export type OptionalProperty = "optional" | "required";

/** The `kind` tag of each validator class. */
export type ValidatorKind =
  | "id"
  | "string"
  | "float64"
  | "int64"
  | "boolean"
  | "null"
  | "any"
  | "literal"
  | "bytes"
  | "object"
  | "array"
  | "record"
  | "union";

type TableNameFromType<TType> = TType extends GenericId<infer TTableName> ? TTableName : string;

/** Two field paths joined with a dot (`"profile"` + `"city"` → `"profile.city"`). */
export type JoinFieldPaths<TStart extends string, TEnd extends string> = `${TStart}.${TEnd}`;

/**
 * What every validator shares. Inheritance here is for code reuse: tell validators apart by
 * `kind`, not `instanceof`.
 */
abstract class BaseValidator<TType, TIsOptional extends OptionalProperty = "required", TFieldPaths extends string = never>
  implements StandardSchemaV1<TType>
{
  /** Type only: the TypeScript type of the values this validator accepts. */
  declare readonly type: TType;
  /** Type only: the dotted paths of the fields inside (for indexes and filters). */
  declare readonly fieldPaths: TFieldPaths;
  /** Whether this is an optional object field. */
  readonly isOptional: TIsOptional;
  /** Always `true`; marks Convoy validators. */
  readonly isConvoyValidator = true as const;
  /** Standard Schema v1, so the validator works in other tools. */
  readonly "~standard": StandardSchemaV1.Props<TType>;
  /** The kind of validator. */
  abstract readonly kind: ValidatorKind;

  constructor(isOptional: TIsOptional) {
    this.isOptional = isOptional;
    this["~standard"] = {
      version: 1,
      vendor: "convoy",
      validate: (value: unknown): StandardSchemaV1.Result<TType> => {
        const issue = validateValue(this as unknown as GenericValidator, value, "value");
        return issue === null ? { value: value as TType } : { issues: [{ message: issue.reason, path: issue.path }] };
      },
    };
  }

  /** This validator as plain JSON, in Convex's format. */
  abstract get json(): ValidatorJSON;

  /** Same as {@link json}, so `JSON.stringify(validator)` describes it. */
  toJSON(): ValidatorJSON {
    return this.json;
  }

  /** A copy marked optional (what `v.optional` returns). */
  abstract asOptional(): BaseValidator<TType | undefined, "optional", TFieldPaths>;
  /** A copy marked required. */
  abstract asRequired(): BaseValidator<Exclude<TType, undefined>, "required", TFieldPaths>;
}

/** The validator of `v.id(tableName)`: a string id of a document in `tableName`. */
export class VId<TType, TIsOptional extends OptionalProperty = "required"> extends BaseValidator<TType, TIsOptional> {
  readonly kind = "id" as const;
  /** The table the ids belong to. */
  readonly tableName: TableNameFromType<TType>;

  constructor(isOptional: TIsOptional, tableName: TableNameFromType<TType>) {
    super(isOptional);
    if (typeof tableName !== "string" || tableName === "") throw definitionError("v.id(tableName) needs a table name");
    this.tableName = tableName;
  }
  get json(): ValidatorJSON {
    return { type: "id", tableName: this.tableName };
  }
  asOptional(): VId<TType | undefined, "optional"> {
    return new VId<TType | undefined, "optional">("optional", this.tableName);
  }
  asRequired(): VId<Exclude<TType, undefined>> {
    return new VId<Exclude<TType, undefined>, "required">("required", this.tableName);
  }
}

/** The validator of `v.string()`. */
export class VString<TType = string, TIsOptional extends OptionalProperty = "required"> extends BaseValidator<TType, TIsOptional> {
  readonly kind = "string" as const;
  get json(): ValidatorJSON {
    return { type: "string" };
  }
  asOptional(): VString<TType | undefined, "optional"> {
    return new VString("optional");
  }
  asRequired(): VString<Exclude<TType, undefined>> {
    return new VString("required");
  }
}

/** The validator of `v.number()` / `v.float64()`: any JS number, NaN, ±Infinity and -0 included. */
export class VFloat64<TType = number, TIsOptional extends OptionalProperty = "required"> extends BaseValidator<TType, TIsOptional> {
  readonly kind = "float64" as const;
  get json(): ValidatorJSON {
    return { type: "number" };
  }
  asOptional(): VFloat64<TType | undefined, "optional"> {
    return new VFloat64("optional");
  }
  asRequired(): VFloat64<Exclude<TType, undefined>> {
    return new VFloat64("required");
  }
}

/** The validator of `v.int64()`: a `bigint` in the signed 64-bit range. */
export class VInt64<TType = bigint, TIsOptional extends OptionalProperty = "required"> extends BaseValidator<TType, TIsOptional> {
  readonly kind = "int64" as const;
  get json(): ValidatorJSON {
    return { type: "bigint" };
  }
  asOptional(): VInt64<TType | undefined, "optional"> {
    return new VInt64("optional");
  }
  asRequired(): VInt64<Exclude<TType, undefined>> {
    return new VInt64("required");
  }
}

/** The validator of `v.boolean()`. */
export class VBoolean<TType = boolean, TIsOptional extends OptionalProperty = "required"> extends BaseValidator<TType, TIsOptional> {
  readonly kind = "boolean" as const;
  get json(): ValidatorJSON {
    return { type: "boolean" };
  }
  asOptional(): VBoolean<TType | undefined, "optional"> {
    return new VBoolean("optional");
  }
  asRequired(): VBoolean<Exclude<TType, undefined>> {
    return new VBoolean("required");
  }
}

/** The validator of `v.bytes()`: an `ArrayBuffer`. */
export class VBytes<TType = ArrayBuffer, TIsOptional extends OptionalProperty = "required"> extends BaseValidator<TType, TIsOptional> {
  readonly kind = "bytes" as const;
  get json(): ValidatorJSON {
    return { type: "bytes" };
  }
  asOptional(): VBytes<TType | undefined, "optional"> {
    return new VBytes("optional");
  }
  asRequired(): VBytes<Exclude<TType, undefined>> {
    return new VBytes("required");
  }
}

/** The validator of `v.null()`. */
export class VNull<TType = null, TIsOptional extends OptionalProperty = "required"> extends BaseValidator<TType, TIsOptional> {
  readonly kind = "null" as const;
  get json(): ValidatorJSON {
    return { type: "null" };
  }
  asOptional(): VNull<TType | undefined, "optional"> {
    return new VNull("optional");
  }
  asRequired(): VNull<Exclude<TType, undefined>> {
    return new VNull("required");
  }
}

/** The validator of `v.any()`: any valid Convoy value. */
export class VAny<
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Convex's `v.any()` infers `any`
  TType = any,
  TIsOptional extends OptionalProperty = "required",
  TFieldPaths extends string = string,
> extends BaseValidator<TType, TIsOptional, TFieldPaths> {
  readonly kind = "any" as const;
  get json(): ValidatorJSON {
    return { type: "any" };
  }
  asOptional(): VAny<TType | undefined, "optional", TFieldPaths> {
    return new VAny("optional");
  }
  asRequired(): VAny<Exclude<TType, undefined>, "required", TFieldPaths> {
    return new VAny("required");
  }
}

/** The value types `v.literal` takes. */
export type LiteralValue = string | number | bigint | boolean;

/** The validator of `v.literal(value)`: exactly that value (numbers compared with `Object.is`). */
export class VLiteral<TType, TIsOptional extends OptionalProperty = "required"> extends BaseValidator<TType, TIsOptional> {
  readonly kind = "literal" as const;
  /** The one accepted value. */
  readonly value: TType;

  constructor(isOptional: TIsOptional, value: TType) {
    super(isOptional);
    const type = typeof value;
    if (type !== "string" && type !== "number" && type !== "bigint" && type !== "boolean") {
      throw definitionError("v.literal(value) needs a string, number, bigint or boolean");
    }
    this.value = value;
  }
  get json(): ValidatorJSON {
    return { type: "literal", value: encodeValue(this.value as LiteralValue) };
  }
  asOptional(): VLiteral<TType | undefined, "optional"> {
    return new VLiteral<TType | undefined, "optional">("optional", this.value);
  }
  asRequired(): VLiteral<Exclude<TType, undefined>> {
    return new VLiteral("required", this.value as Exclude<TType, undefined>);
  }
}

/** The validator of `v.array(element)`. */
export class VArray<TType, TElement extends RequiredValidator, TIsOptional extends OptionalProperty = "required"> extends BaseValidator<
  TType,
  TIsOptional
> {
  readonly kind = "array" as const;
  /** The validator of every element. */
  readonly element: TElement;

  constructor(isOptional: TIsOptional, element: TElement) {
    super(isOptional);
    requireValidator(element, "v.array(element)");
    if ((element.isOptional as OptionalProperty) === "optional") throw definitionError("v.array(element): the element cannot be optional");
    this.element = element;
  }
  get json(): ValidatorJSON {
    return { type: "array", value: this.element.json };
  }
  asOptional(): VArray<TType | undefined, TElement, "optional"> {
    return new VArray<TType | undefined, TElement, "optional">("optional", this.element);
  }
  asRequired(): VArray<Exclude<TType, undefined>, TElement> {
    return new VArray<Exclude<TType, undefined>, TElement, "required">("required", this.element);
  }
}

/** Validators for each field of an object. */
export interface PropertyValidators {
  readonly [field: string]: GenericValidator;
}

/** The field paths of an object: each field name, and each nested path under it. */
export type ObjectFieldPaths<TFields extends PropertyValidators> = {
  [TProperty in keyof TFields]: JoinFieldPaths<TProperty & string, TFields[TProperty]["fieldPaths"]> | TProperty;
}[keyof TFields] &
  string;

/** The validator of `v.object({...})`: a plain object with exactly these fields (strict). */
export class VObject<
  TType,
  TFields extends PropertyValidators,
  TIsOptional extends OptionalProperty = "required",
  TFieldPaths extends string = ObjectFieldPaths<TFields>,
> extends BaseValidator<TType, TIsOptional, TFieldPaths> {
  readonly kind = "object" as const;
  /** The validator of each field. */
  readonly fields: TFields;

  constructor(isOptional: TIsOptional, fields: TFields) {
    super(isOptional);
    if (!isPlainObject(fields)) {
      throw definitionError('v.object(fields) needs a plain object of validators (a "__proto__" field is not allowed)');
    }
    for (const name of Object.keys(fields)) {
      const reason = invalidFieldNameReason(name);
      if (reason !== null) throw definitionError(`v.object(): invalid field ${JSON.stringify(name)}: ${reason}`);
      requireValidator(fields[name], `v.object(): field ${JSON.stringify(name)}`);
    }
    this.fields = fields;
  }
  get json(): ValidatorJSON {
    const value: Record<string, ObjectFieldJSON> = {};
    for (const name of Object.keys(this.fields)) {
      const field = this.fields[name]!;
      value[name] = { fieldType: field.json, optional: field.isOptional === "optional" };
    }
    return { type: "object", value };
  }
  /** Marks the object itself optional; its fields are unchanged. */
  asOptional(): VObject<TType | undefined, TFields, "optional", TFieldPaths> {
    return new VObject<TType | undefined, TFields, "optional", TFieldPaths>("optional", this.fields);
  }
  asRequired(): VObject<Exclude<TType, undefined>, TFields, "required", TFieldPaths> {
    return new VObject<Exclude<TType, undefined>, TFields, "required", TFieldPaths>("required", this.fields);
  }
}

/** The validator of `v.record(keys, values)`: a plain object with any keys `keys` accepts. */
export class VRecord<
  TType,
  TKey extends RequiredValidator,
  TValue extends RequiredValidator,
  TIsOptional extends OptionalProperty = "required",
  TFieldPaths extends string = string,
> extends BaseValidator<TType, TIsOptional, TFieldPaths> {
  readonly kind = "record" as const;
  /** The validator of the keys. */
  readonly key: TKey;
  /** The validator of the values. */
  readonly value: TValue;

  constructor(isOptional: TIsOptional, key: TKey, value: TValue) {
    super(isOptional);
    requireValidator(key, "v.record(keys, values): keys");
    requireValidator(value, "v.record(keys, values): values");
    if (!isRecordKeyValidator(key)) {
      throw definitionError("v.record(keys, values): keys must be v.string(), v.id(), a string v.literal() or a union of them");
    }
    if ((value.isOptional as OptionalProperty) === "optional") throw definitionError("v.record(keys, values): values cannot be optional");
    this.key = key;
    this.value = value;
  }
  get json(): ValidatorJSON {
    return { type: "record", keys: this.key.json as RecordKeyValidatorJSON, values: { fieldType: this.value.json, optional: false } };
  }
  asOptional(): VRecord<TType | undefined, TKey, TValue, "optional", TFieldPaths> {
    return new VRecord<TType | undefined, TKey, TValue, "optional", TFieldPaths>("optional", this.key, this.value);
  }
  asRequired(): VRecord<Exclude<TType, undefined>, TKey, TValue, "required", TFieldPaths> {
    return new VRecord<Exclude<TType, undefined>, TKey, TValue, "required", TFieldPaths>("required", this.key, this.value);
  }
}

/** The validator of `v.union(...members)`: a value any member accepts. */
export class VUnion<
  TType,
  TMembers extends RequiredValidator[],
  TIsOptional extends OptionalProperty = "required",
  TFieldPaths extends string = TMembers[number]["fieldPaths"],
> extends BaseValidator<TType, TIsOptional, TFieldPaths> {
  readonly kind = "union" as const;
  /** The alternatives, tried in order. */
  readonly members: TMembers;

  constructor(isOptional: TIsOptional, members: TMembers) {
    super(isOptional);
    members.forEach((member, index) => {
      requireValidator(member, `v.union(): member ${index}`);
      if ((member.isOptional as OptionalProperty) === "optional") throw definitionError(`v.union(): member ${index} cannot be optional`);
    });
    this.members = members;
  }
  get json(): ValidatorJSON {
    return { type: "union", value: this.members.map((member) => member.json) };
  }
  asOptional(): VUnion<TType | undefined, TMembers, "optional", TFieldPaths> {
    return new VUnion<TType | undefined, TMembers, "optional", TFieldPaths>("optional", this.members);
  }
  asRequired(): VUnion<Exclude<TType, undefined>, TMembers, "required", TFieldPaths> {
    return new VUnion<Exclude<TType, undefined>, TMembers, "required", TFieldPaths>("required", this.members);
  }
}

/**
 * Any validator built with `v`. Switch on `kind` to tell them apart.
 *
 * @example
 * function describe(validator: Validator<unknown, OptionalProperty, string>) {
 *   return validator.kind === "object" ? Object.keys(validator.fields) : validator.kind;
 * }
 */
export type Validator<TType, TIsOptional extends OptionalProperty = "required", TFieldPaths extends string = never> =
  | VId<TType, TIsOptional>
  | VString<TType, TIsOptional>
  | VFloat64<TType, TIsOptional>
  | VInt64<TType, TIsOptional>
  | VBoolean<TType, TIsOptional>
  | VNull<TType, TIsOptional>
  | VAny<TType, TIsOptional>
  | VLiteral<TType, TIsOptional>
  | VBytes<TType, TIsOptional>
  | VObject<TType, PropertyValidators, TIsOptional, TFieldPaths>
  | VArray<TType, Validator<unknown, "required", string>, TIsOptional>
  | VRecord<TType, Validator<unknown, "required", string>, Validator<unknown, "required", string>, TIsOptional, TFieldPaths>
  | VUnion<TType, Validator<unknown, "required", string>[], TIsOptional, TFieldPaths>;

/** Any validator, optional or not. */
export type GenericValidator = Validator<unknown, OptionalProperty, string>;

/** Any validator that is not marked optional (array elements, union members, record parts). */
export type RequiredValidator = Validator<unknown, "required", string>;

/** The type `v.optional(validator)` returns: the same validator, marked optional. */
// prettier-ignore
export type VOptional<TValidator extends GenericValidator> =
  TValidator extends VId<infer TType, OptionalProperty> ? VId<TType | undefined, "optional">
  : TValidator extends VString<infer TType, OptionalProperty> ? VString<TType | undefined, "optional">
  : TValidator extends VFloat64<infer TType, OptionalProperty> ? VFloat64<TType | undefined, "optional">
  : TValidator extends VInt64<infer TType, OptionalProperty> ? VInt64<TType | undefined, "optional">
  : TValidator extends VBoolean<infer TType, OptionalProperty> ? VBoolean<TType | undefined, "optional">
  : TValidator extends VNull<infer TType, OptionalProperty> ? VNull<TType | undefined, "optional">
  : TValidator extends VAny<infer TType, OptionalProperty, infer TFieldPaths> ? VAny<TType | undefined, "optional", TFieldPaths>
  : TValidator extends VLiteral<infer TType, OptionalProperty> ? VLiteral<TType | undefined, "optional">
  : TValidator extends VBytes<infer TType, OptionalProperty> ? VBytes<TType | undefined, "optional">
  : TValidator extends VObject<infer TType, infer TFields, OptionalProperty, infer TFieldPaths> ? VObject<TType | undefined, TFields, "optional", TFieldPaths>
  : TValidator extends VArray<infer TType, infer TElement, OptionalProperty> ? VArray<TType | undefined, TElement, "optional">
  : TValidator extends VRecord<infer TType, infer TKey, infer TValue, OptionalProperty, infer TFieldPaths> ? VRecord<TType | undefined, TKey, TValue, "optional", TFieldPaths>
  : TValidator extends VUnion<infer TType, infer TMembers, OptionalProperty, infer TFieldPaths> ? VUnion<TType | undefined, TMembers, "optional", TFieldPaths>
  : never;

function definitionError(message: string): FrameworkError {
  return new FrameworkError("INTERNAL", message);
}

function requireValidator(candidate: unknown, where: string): void {
  if (typeof candidate !== "object" || candidate === null || (candidate as { isConvoyValidator?: unknown }).isConvoyValidator !== true) {
    throw definitionError(`${where} must be a validator built with v`);
  }
}

function isRecordKeyValidator(validator: GenericValidator): boolean {
  switch (validator.kind) {
    case "string":
    case "id":
      return true;
    case "literal":
      return typeof validator.value === "string";
    case "union":
      return validator.members.every(isRecordKeyValidator);
    default:
      return false;
  }
}

import {
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
  type LiteralValue,
  type OptionalProperty,
  type PropertyValidators,
  type RequiredValidator,
  type VOptional,
} from "./validators.js";
import type { GenericId } from "./value.js";

/**
 * The TypeScript type of the values a validator accepts.
 *
 * @example
 * const message = v.object({ author: v.string(), likes: v.optional(v.number()) });
 * type Message = Infer<typeof message>; // { author: string; likes?: number }
 */
export type Infer<TValidator extends GenericValidator> = TValidator["type"];

type Expand<TObject> = TObject extends Record<string, unknown> ? { [TKey in keyof TObject]: TObject[TKey] } : never;

type OptionalKeys<TFields extends PropertyValidators> = {
  [TKey in keyof TFields]: TFields[TKey]["isOptional"] extends "optional" ? TKey : never;
}[keyof TFields];

type RequiredKeys<TFields extends PropertyValidators> = Exclude<keyof TFields, OptionalKeys<TFields>>;

/**
 * The object type of some field validators: `v.optional` fields become `?:` properties.
 *
 * @example
 * type Args = ObjectType<{ author: VString; limit: VFloat64<number | undefined, "optional"> }>;
 * // { author: string; limit?: number }
 */
export type ObjectType<TFields extends PropertyValidators> = Expand<
  { [TKey in OptionalKeys<TFields>]?: Exclude<Infer<TFields[TKey]>, undefined> } & {
    [TKey in RequiredKeys<TFields>]: Infer<TFields[TKey]>;
  }
>;

/**
 * The validator builder, with Convex's names.
 *
 * @example
 * const message = v.object({
 *   author: v.id("users"),
 *   body: v.string(),
 *   tags: v.array(v.string()),
 *   status: v.union(v.literal("draft"), v.literal("sent")),
 *   likes: v.optional(v.number()),
 * });
 */
export const v = {
  /** The id of a document in `tableName` (a string typed `GenericId<tableName>`). */
  id<TTableName extends string>(tableName: TTableName): VId<GenericId<TTableName>> {
    return new VId<GenericId<TTableName>>("required", tableName);
  },
  /** `null`. */
  null(): VNull {
    return new VNull("required");
  },
  /** A float64 (any JS number, NaN, ±Infinity and -0 included). Same as `v.float64()`. */
  number(): VFloat64 {
    return new VFloat64("required");
  },
  /** A float64 (any JS number, NaN, ±Infinity and -0 included). */
  float64(): VFloat64 {
    return new VFloat64("required");
  },
  /** A `bigint` in the signed 64-bit range. */
  int64(): VInt64 {
    return new VInt64("required");
  },
  /** `true` or `false`. */
  boolean(): VBoolean {
    return new VBoolean("required");
  },
  /** A string. */
  string(): VString {
    return new VString("required");
  },
  /** An `ArrayBuffer`. */
  bytes(): VBytes {
    return new VBytes("required");
  },
  /** Exactly `literal` (a string, number, bigint or boolean). */
  literal<TLiteral extends LiteralValue>(literal: TLiteral): VLiteral<TLiteral> {
    return new VLiteral<TLiteral>("required", literal);
  },
  /** An array whose elements all match `element`. */
  array<TElement extends RequiredValidator>(element: TElement): VArray<TElement["type"][], TElement> {
    return new VArray<TElement["type"][], TElement>("required", element);
  },
  /** A plain object with exactly these fields; `v.optional` fields may be left out. */
  object<TFields extends PropertyValidators>(fields: TFields): VObject<ObjectType<TFields>, TFields> {
    return new VObject<ObjectType<TFields>, TFields>("required", fields);
  },
  /** A plain object whose keys match `keys` and whose values match `values`. */
  record<TKey extends RequiredValidator & { type: string }, TValue extends RequiredValidator>(
    keys: TKey,
    values: TValue,
  ): VRecord<Record<TKey["type"], TValue["type"]>, TKey, TValue> {
    return new VRecord<Record<TKey["type"], TValue["type"]>, TKey, TValue>("required", keys, values);
  },
  /** A value that matches at least one of `members`. */
  union<TMembers extends RequiredValidator[]>(...members: TMembers): VUnion<TMembers[number]["type"], TMembers> {
    return new VUnion<TMembers[number]["type"], TMembers>("required", members);
  },
  /** Any valid Convoy value. */
  any(): VAny {
    return new VAny("required");
  },
  /** The same validator marked optional: as an object field it may be left out. */
  optional<TValidator extends GenericValidator>(validator: TValidator): VOptional<TValidator> {
    return validator.asOptional() as VOptional<TValidator>;
  },
  /** `validator`'s values or `null` (a union with `v.null()`). */
  nullable<TValidator extends RequiredValidator>(validator: TValidator): VUnion<TValidator["type"] | null, [TValidator, VNull]> {
    return new VUnion<TValidator["type"] | null, [TValidator, VNull]>("required", [validator, new VNull("required")]);
  },
};

export type { OptionalProperty };

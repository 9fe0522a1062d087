import type { GenericDocument, GenericTableInfo } from "../schema/data-model.js";
import type { Value } from "../values/value.js";

type ValueFromUnion<TObject, TKey, TDefault> = TObject extends unknown ? (TKey extends keyof TObject ? TObject[TKey] : TDefault) : never;

/**
 * The type of the value at a dotted field path of a document (`"profile.city"`), `undefined`
 * included when a field on the way may be missing.
 */
export type FieldTypeFromFieldPath<TDocument extends GenericDocument, TFieldPath extends string> =
  TFieldPath extends `${infer TFirst}.${infer TRest}`
    ? ValueFromUnion<TDocument, TFirst, undefined> extends infer TFieldValue
      ? TFieldValue extends GenericDocument
        ? FieldTypeFromFieldPath<TFieldValue, TRest>
        : undefined
      : undefined
    : ValueFromUnion<TDocument, TFieldPath, undefined>;

/** The document type of a table. */
export type DocumentByInfo<TTableInfo extends GenericTableInfo> = TTableInfo["document"];

/** The field paths of a table (`_id`, `_creationTime` and every user field path). */
export type FieldPaths<TTableInfo extends GenericTableInfo> = TTableInfo["fieldPaths"];

/** The index names of a table. */
export type IndexNames<TTableInfo extends GenericTableInfo> = keyof TTableInfo["indexes"] & string;

/** The fields of one index of a table (ending with `_creationTime`). */
export type NamedIndex<TTableInfo extends GenericTableInfo, TIndexName extends IndexNames<TTableInfo>> = TTableInfo["indexes"][TIndexName];

/** Values that arithmetic works on: float64 or int64. */
export type NumericValue = number | bigint;

/** Any value or a missing field. */
export type ValueOrMissing = Value | undefined;

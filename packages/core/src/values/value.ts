/**
 * A value Convoy can store, pass as an argument or return: JSON plus `bigint` (int64),
 * non-finite floats and `-0`, and `ArrayBuffer` (bytes). Object fields set to `undefined`
 * count as absent.
 *
 * @example
 * const doc: Value = { author: "ada", likes: 3n, avatar: new ArrayBuffer(8), tags: ["x"] };
 */
export type Value =
  | null
  | bigint
  | number
  | boolean
  | string
  | ArrayBuffer
  | Value[]
  | { [key: string]: Value | undefined };

/**
 * Plain JSON: what {@link encodeValue} produces and {@link decodeValue} reads.
 *
 * @example
 * const wire: JSONValue = { likes: { $integer: "AwAAAAAAAAA=" } };
 */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

/**
 * The id of a document in table `TTableName`: a string at runtime, branded with its table so
 * ids of different tables do not mix.
 *
 * @example
 * function load(id: GenericId<"users">) {}
 */
export type GenericId<TTableName extends string> = string & { __tableName: TTableName };

/**
 * How deep arrays and objects may nest inside one value. Deeper values (and cyclic ones) are
 * rejected by {@link checkValue}, {@link encodeValue} and {@link decodeValue}.
 */
export const MAX_VALUE_DEPTH = 64;

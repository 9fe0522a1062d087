import { fromForeignFields, fromForeignValidator } from "../values/foreign-validator.js";
import { isPlainObject } from "../values/validation-issue.js";
import type { VObject } from "../values/validators.js";
import { v, type ObjectType } from "../values/v.js";
import type { GenericValidator, PropertyValidators, Validator } from "../values/validators.js";
import type { IndexJSON, TableJSON } from "./schema-json.js";
import { promotableFieldType } from "../storage/promoted-column.js";
import { checkIndexField, checkIndexName, schemaDefinitionError } from "./names.js";

/** The validator of a table's documents: an object, a union of objects, or `v.any()`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- documents are any object shape
export type DocumentValidator = Validator<Record<string, any>, "required", any>;

/** Index name → its fields, ending with `_creationTime` (Convex's shape). */
export type GenericTableIndexes = Record<string, string[]>;

/** Flattens an intersection for readable hover types. */
export type Expand<TObject> = TObject extends object ? { [TKey in keyof TObject]: TObject[TKey] } : TObject;

/**
 * One table of a schema: its document validator and its indexes. Made by {@link defineTable}.
 *
 * @example
 * defineTable({ author: v.string(), body: v.string() }).index("by_author", ["author"]);
 */
export class TableDefinition<
  TDocument extends DocumentValidator = DocumentValidator,
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a table starts with no indexes
  TIndexes extends GenericTableIndexes = {},
> {
  /** Type only: the indexes and their fields. */
  declare readonly indexesType: TIndexes;
  /** The document validator. */
  readonly validator: TDocument;
  /** The user-defined indexes, in definition order. */
  readonly indexes: readonly IndexJSON[];
  /** Top-level fields declared with {@link columns}: mirrored into typed columns by `convoy promote` (SPEC §11). */
  readonly promotedColumns: readonly string[];

  constructor(validator: TDocument, indexes: readonly IndexJSON[] = [], promotedColumns: readonly string[] = []) {
    this.validator = validator;
    this.indexes = indexes;
    this.promotedColumns = promotedColumns;
  }

  /**
   * Declares top-level fields to store also in a typed column of their own, with native
   * indexes (`convoy promote <table>.<field>` does it online; SPEC §11). Types, queries and
   * results do not change. Only `v.string()`, `v.number()`, `v.int64()`, `v.boolean()` and
   * `v.id()` fields, possibly optional, can be promoted.
   *
   * @example
   * defineTable({ author: v.string(), body: v.string() }).index("by_author", ["author"]).columns(["author"]);
   */
  columns(fields: TDocument["fieldPaths"][]): TableDefinition<TDocument, TIndexes> {
    if (!Array.isArray(fields)) throw schemaDefinitionError(".columns() needs an array of field names");
    const declared = new Set(this.promotedColumns);
    for (const field of fields as unknown[]) {
      if (typeof field !== "string") throw schemaDefinitionError(`.columns(): ${JSON.stringify(field)} is not a field name`);
      if (declared.has(field)) throw schemaDefinitionError(`.columns(): field "${field}" is listed twice`);
      const result = promotableFieldType(field, this.validator as GenericValidator);
      if ("refused" in result) throw schemaDefinitionError(`.columns(): field "${field}" cannot be promoted: ${result.refused}`);
      declared.add(field);
    }
    return new TableDefinition<TDocument, TIndexes>(this.validator, this.indexes, [...declared]);
  }

  /**
   * Adds an index over one or more fields (dotted paths allowed). Every index implicitly ends
   * with `_creationTime`, so results are in field order, then creation order.
   */
  index<
    TIndexName extends string,
    TFirstField extends TDocument["fieldPaths"],
    TRestFields extends TDocument["fieldPaths"][],
  >(
    name: TIndexName,
    fields: [TFirstField, ...TRestFields],
  ): TableDefinition<TDocument, Expand<TIndexes & Record<TIndexName, [TFirstField, ...TRestFields, "_creationTime"]>>> {
    checkIndexName(name);
    if (this.indexes.some((index) => index.name === name)) throw schemaDefinitionError(`index "${name}" is defined twice`);
    if (!Array.isArray(fields) || fields.length === 0) throw schemaDefinitionError(`index "${name}" needs at least one field`);
    const seen = new Set<string>();
    for (const field of fields as unknown[]) {
      checkIndexField(name, field);
      if (seen.has(field)) throw schemaDefinitionError(`index "${name}" lists field "${field}" twice`);
      seen.add(field);
      checkFieldExists(this.validator, name, field);
    }
    return new TableDefinition(this.validator, [...this.indexes, { name, fields: [...(fields as string[])] }], this.promotedColumns);
  }

  /** The table as plain JSON (validator in Convex's format, indexes sorted by name, promoted columns sorted, left out when none). */
  get json(): TableJSON {
    const json: TableJSON = {
      documentType: this.validator.json,
      indexes: [...this.indexes].sort((a, b) => (a.name < b.name ? -1 : 1)).map((index) => ({ name: index.name, fields: [...index.fields] })),
    };
    if (this.promotedColumns.length > 0) json.columns = [...this.promotedColumns].sort();
    return json;
  }
}

/** When the document is an object, an index's top-level field must be one of its fields. */
function checkFieldExists(validator: GenericValidator, indexName: string, field: string): void {
  const top = field.split(".")[0]!;
  const objects = validator.kind === "object" ? [validator] : validator.kind === "union" ? validator.members : [];
  if (objects.length === 0 || objects.some((member) => member.kind !== "object")) return;
  if (!objects.some((member) => member.kind === "object" && Object.hasOwn(member.fields, top))) {
    throw schemaDefinitionError(`index "${indexName}": field "${field}" is not a field of the table's documents`);
  }
}

/**
 * Defines a table from an object of field validators or from a document validator
 * (`v.object`, a `v.union` of objects, or `v.any()`).
 *
 * @example
 * const messages = defineTable({ author: v.string(), body: v.string() }).index("by_author", ["author"]);
 */
export function defineTable<TFields extends PropertyValidators>(
  fields: TFields,
): TableDefinition<VObject<ObjectType<TFields>, TFields>>;
export function defineTable<TDocument extends DocumentValidator>(document: TDocument): TableDefinition<TDocument>;
export function defineTable(definition: PropertyValidators | DocumentValidator): TableDefinition {
  // validators of the `convex` package (a Convex app's schema) are rebuilt from their JSON
  const input = isPlainObject(definition) ? fromForeignFields(definition) : fromForeignValidator(definition);
  const validator = isValidator(input) ? input : (v.object(input as PropertyValidators) as DocumentValidator);
  if (!["object", "union", "any"].includes(validator.kind)) {
    throw schemaDefinitionError(`a table's documents must be a v.object(), a v.union() of objects or v.any(), not v.${validator.kind}()`);
  }
  if (validator.kind === "union" && validator.members.some((member) => member.kind !== "object")) {
    throw schemaDefinitionError("a table's v.union() must contain only v.object() members");
  }
  const objects = validator.kind === "object" ? [validator] : validator.kind === "union" ? validator.members : [];
  for (const member of objects) {
    if (member.kind === "object") for (const field of Object.keys(member.fields)) checkTopLevelField(field);
  }
  return new TableDefinition(validator);
}

/** As in Convex, top-level names starting with `_` are reserved for system fields (nested ones are free). */
function checkTopLevelField(field: string): void {
  if (!field.startsWith("_")) return;
  if (field === "_id" || field === "_creationTime") {
    throw schemaDefinitionError(`field "${field}" is a system field: every document has it, so a table must not declare it`);
  }
  throw schemaDefinitionError(`field "${field}" starts with "_", which is reserved for system fields at the top level of a document`);
}

function isValidator(input: unknown): input is DocumentValidator {
  return typeof input === "object" && input !== null && (input as { isConvoyValidator?: unknown }).isConvoyValidator === true;
}

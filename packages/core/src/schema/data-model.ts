import type { GenericId } from "../values/value.js";
import type { Expand, GenericTableIndexes } from "./table-definition.js";
import type { SchemaDefinition, GenericSchema } from "./schema-definition.js";
import type { TableDefinition } from "./table-definition.js";

/** A document as the engine sees it: field name to value. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the untyped engine works on any document
export type GenericDocument = Record<string, any>;

/** What the typed surface knows about one table. */
export interface GenericTableInfo {
  document: GenericDocument;
  fieldPaths: string;
  indexes: GenericTableIndexes;
}

/** Table name → table info. Generated `dataModel.d.ts` instantiates it for an app. */
export type GenericDataModel = Record<string, GenericTableInfo>;

/** Fields every document has besides `_id`. */
export type SystemFields = {
  /** When the document was created, in ms since the epoch. */
  _creationTime: number;
};

/** The `_id` field of a document of `TTableName`. */
export type IdField<TTableName extends string> = {
  _id: GenericId<TTableName>;
};

/** Indexes every table has (Convex's names). */
export type SystemIndexes = {
  by_id: ["_id"];
  by_creation_time: ["_creationTime"];
};

/** The names of the tables of a data model. */
export type TableNamesInDataModel<TDataModel extends GenericDataModel> = keyof TDataModel & string;

/** The document type of one table. */
export type DocumentByName<TDataModel extends GenericDataModel, TTableName extends TableNamesInDataModel<TDataModel>> =
  TDataModel[TTableName]["document"];

/** Omit that distributes over unions (so documents that are unions of objects keep their shape). */
export type BetterOmit<TObject, TKey extends keyof TObject> = {
  [TProperty in keyof TObject as TProperty extends TKey ? never : TProperty]: TObject[TProperty];
};

/** A document without `_id` and `_creationTime`: what `insert` and `replace` take. */
export type WithoutSystemFields<TDocument extends GenericDocument> = TDocument extends unknown
  ? Expand<BetterOmit<TDocument, "_id" | "_creationTime">>
  : never;

type DocumentOf<TTableName extends string, TDocumentType> = TDocumentType extends unknown
  ? Expand<IdField<TTableName> & SystemFields & TDocumentType>
  : never;

/**
 * The data model of a schema: for each table, its `document` type (with `_id` and
 * `_creationTime`), its `fieldPaths` and its `indexes` (system ones included).
 *
 * @example
 * type DataModel = DataModelFromSchemaDefinition<typeof schema>;
 * type Message = DataModel["messages"]["document"];
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any schema
export type DataModelFromSchemaDefinition<TSchemaDefinition extends SchemaDefinition<any>> =
  TSchemaDefinition extends SchemaDefinition<infer TSchema extends GenericSchema>
    ? {
        [TTableName in keyof TSchema & string]: TSchema[TTableName] extends TableDefinition<infer TDocument, infer TIndexes>
          ? {
              document: DocumentOf<TTableName, TDocument["type"]>;
              fieldPaths: "_id" | "_creationTime" | TDocument["fieldPaths"];
              indexes: Expand<TIndexes & SystemIndexes>;
            }
          : never;
      }
    : never;

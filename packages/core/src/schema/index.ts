export { defineTable, TableDefinition, type DocumentValidator, type GenericTableIndexes, type Expand } from "./table-definition.js";
export { defineSchema, schemalessSchema, SchemaDefinition, schemaHash, type GenericSchema, type DefineSchemaOptions } from "./schema-definition.js";
export type { SchemaJSON, TableJSON, IndexJSON } from "./schema-json.js";
export type {
  GenericDocument,
  GenericTableInfo,
  GenericDataModel,
  SystemFields,
  IdField,
  SystemIndexes,
  TableNamesInDataModel,
  DocumentByName,
  WithoutSystemFields,
  DataModelFromSchemaDefinition,
} from "./data-model.js";

import type { GenericValidator } from "../values/validators.js";
import type { SchemaDefinition } from "../schema/schema-definition.js";
import { tableTag } from "./ids.js";
import { qualified } from "./sql/identifiers.js";
import { DEFAULT_PG_SCHEMA } from "./layout.js";
import { isSwitched, type PromotedColumnType, type RecordedPromotion, type RecordedPromotions } from "./promoted-column.js";
import { indexedPaths, tableStorage, type RecordedColumns, type TableStorage } from "./table-storage.js";

export type { RecordedColumns };

/** An index as the engine sees it: its name and its fields, implicit `_creationTime`/`_id` not included. */
export interface CatalogIndex {
  name: string;
  /** User fields (dotted paths). Empty for `by_creation_time`; `["_id"]` for `by_id`. */
  fields: readonly string[];
}

/** A table as the engine sees it. */
export interface CatalogTable {
  name: string;
  /** `"schema"."table"`, quoted, ready for SQL. */
  sqlName: string;
  /** The document validator (validated on writes when the schema says so). */
  validator: GenericValidator;
  /** Every index by name, `by_id` and `by_creation_time` included. */
  indexes: ReadonlyMap<string, CatalogIndex>;
  /** The id tag of this table (see ids.ts). */
  tag: number;
  /** Where each field is stored (see table-storage.ts); its `version` is the table's catalog version. */
  storage: TableStorage;
  /** A table outside the schema that does not exist yet: it reads as empty (see dynamic-tables.ts). */
  absent?: true;
}


/**
 * The runtime view of a schema that the engine (ctx.db, runner) works from: plain data, no
 * generics. Built once per schema version.
 */
export interface Catalog {
  pgSchema: string;
  schemaValidation: boolean;
  /**
   * `false` when functions may use tables the schema does not list (no `schema.ts`, or
   * `strictTableNameTypes: false`): `tables` and `tablesByTag` then grow as such tables are
   * created (see dynamic-tables.ts).
   */
  strictTableNames: boolean;
  tables: ReadonlyMap<string, CatalogTable>;
  /** Table name by id tag, to find the table of an id without a lookup. */
  tablesByTag: ReadonlyMap<number, CatalogTable>;
}

/** The declared promoted fields whose promotion is switched (design §6): only these are read from their column. */
function switchedFields(declared: readonly string[], recorded: ReadonlyMap<string, RecordedPromotion> | undefined): Map<string, PromotedColumnType> {
  const fields = new Map<string, PromotedColumnType>();
  for (const field of declared) {
    const promotion = recorded?.get(field);
    if (promotion !== undefined && isSwitched(promotion.state)) fields.set(field, promotion.type);
  }
  return fields;
}

/**
 * Builds the catalog of a schema for the given Postgres schema (default `public`), with the
 * storage layout the database records (`loadCatalog` reads it; none = every field in the
 * document column) and its promotions (`convoy.promotions`; a declared field whose promotion
 * is switched is read from its typed column).
 */
export function createCatalog(
  schema: SchemaDefinition,
  pgSchema: string = DEFAULT_PG_SCHEMA,
  recorded: RecordedColumns = new Map(),
  promotions: RecordedPromotions = new Map(),
): Catalog {
  const tables = new Map<string, CatalogTable>();
  const tablesByTag = new Map<number, CatalogTable>();
  for (const [name, definition] of Object.entries(schema.tables)) {
    const indexes = new Map<string, CatalogIndex>([
      ["by_id", { name: "by_id", fields: ["_id"] }],
      ["by_creation_time", { name: "by_creation_time", fields: [] }],
    ]);
    for (const index of definition.indexes) indexes.set(index.name, { name: index.name, fields: index.fields });
    const table: CatalogTable = {
      name,
      sqlName: qualified(pgSchema, name),
      validator: definition.validator as GenericValidator,
      indexes,
      tag: tableTag(name),
      storage: tableStorage(recorded.get(name), indexedPaths(definition.indexes), switchedFields(definition.promotedColumns, promotions.get(name))),
    };
    tables.set(name, table);
    tablesByTag.set(table.tag, table);
  }
  return { pgSchema, schemaValidation: schema.schemaValidation, strictTableNames: schema.strictTableNameTypes, tables, tablesByTag };
}

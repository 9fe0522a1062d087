import type { Queryable } from "../driver/index.js";
import type { SchemaDefinition } from "../schema/schema-definition.js";
import { createCatalog, type Catalog } from "./catalog.js";
import { DEFAULT_PG_SCHEMA } from "./layout.js";
import { loadDynamicTables } from "./dynamic-tables.js";
import { loadPromotions } from "./promoted-column.js";
import { loadRecordedColumns } from "./recorded-columns.js";

/**
 * The catalog of `schema` with the storage layout the database records in `convoy.columns`
 * and `convoy.promotions` (see {@link createCatalog}), and, when the schema is not strict, the
 * tables outside it that the database has. The runtime builds its catalog with it.
 */
export async function loadCatalog(q: Queryable, schema: SchemaDefinition, pgSchema: string = DEFAULT_PG_SCHEMA): Promise<Catalog> {
  const catalog = createCatalog(schema, pgSchema, await loadRecordedColumns(q, pgSchema), await loadPromotions(q, pgSchema));
  await loadDynamicTables(q, catalog);
  return catalog;
}

import type { Queryable } from "../driver/index.js";
import { canonicalJson } from "../schema/canonical-json.js";
import { schemaHash } from "../schema/schema-definition.js";
import type { SchemaJSON } from "../schema/schema-json.js";
import { META_TABLE, SCHEMA_HASH_KEY, SCHEMA_JSON_KEY } from "../storage/layout.js";
import { isSwitched, loadPromotions, type RecordedPromotions } from "../storage/promoted-column.js";

/** A schema as the database records it: its JSON and hash. */
export interface RecordedSchema {
  json: SchemaJSON;
  hash: string;
}

/**
 * The schema a database is at while promotions are under way (design §8): the code's schema
 * with the `.columns()` declarations that are not switched yet left out. `convoy sync` records
 * it, `convoy start` compares with it, `convoy promote` records it with the field it switches.
 */
export function effectiveSchema(schema: { json: SchemaJSON }, switched: (table: string, field: string) => boolean): RecordedSchema {
  const tables: SchemaJSON["tables"] = {};
  for (const [name, table] of Object.entries(schema.json.tables)) {
    const { columns, ...rest } = table;
    const kept = (columns ?? []).filter((field) => switched(name, field));
    tables[name] = kept.length === 0 ? rest : { ...rest, columns: kept };
  }
  const json: SchemaJSON = { ...schema.json, tables };
  return { json, hash: schemaHash(json) };
}

/** Whether a recorded promotion of `table.field` is switched (or finished). */
export function switchedIn(promotions: RecordedPromotions): (table: string, field: string) => boolean {
  return (table, field) => {
    const promotion = promotions.get(table)?.get(field);
    return promotion !== undefined && isSwitched(promotion.state);
  };
}

/** {@link effectiveSchema} against the promotions the database records for `pgSchema`. */
export async function loadEffectiveSchema(q: Queryable, schema: { json: SchemaJSON }, pgSchema: string): Promise<RecordedSchema> {
  return effectiveSchema(schema, switchedIn(await loadPromotions(q, pgSchema)));
}

/** The `convoy.meta` upsert of a schema's hash and JSON (what sync's last step and `convoy promote`'s switch run). */
export const RECORD_SCHEMA_SQL = `INSERT INTO ${META_TABLE} (key, value) VALUES ($1, $2), ($3, $4) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`;

/** The parameters of {@link RECORD_SCHEMA_SQL}. */
export function recordSchemaParams(schema: RecordedSchema): string[] {
  return [SCHEMA_HASH_KEY, schema.hash, SCHEMA_JSON_KEY, canonicalJson(schema.json)];
}

/** Records `schema` as the database's (run it in the transaction that switches a promotion). */
export async function recordSchemaHash(q: Queryable, schema: RecordedSchema): Promise<void> {
  await q.query(RECORD_SCHEMA_SQL, recordSchemaParams(schema));
}

import { tableTag } from "../storage/ids.js";
import { indexNameFor } from "../storage/index-names.js";
import { MAX_IDENTIFIER_LENGTH } from "../storage/sql/identifiers.js";
import { hashJson } from "./canonical-json.js";
import { checkTableName, schemaDefinitionError } from "./names.js";
import type { SchemaJSON } from "./schema-json.js";
import { TableDefinition } from "./table-definition.js";

/** Tables of a schema by name. */
export type GenericSchema = Record<string, TableDefinition>;

/** Options of {@link defineSchema}. */
export interface DefineSchemaOptions {
  /** Validate every write against the table's validator (default `true`). */
  schemaValidation?: boolean;
  /**
   * Convex's option: `false` lets functions use tables the schema does not list. Such tables are
   * schemaless (any document, only `by_id` and `by_creation_time`) and are created on their
   * first insert. Default `true`. An app without `schema.ts` runs as
   * `defineSchema({}, { schemaValidation: false, strictTableNameTypes: false })`.
   */
  strictTableNameTypes?: boolean;
}

/**
 * A whole schema: its tables and options. Made by {@link defineSchema}; the default export of
 * `convoy/schema.ts`.
 */
export class SchemaDefinition<TSchema extends GenericSchema = GenericSchema> {
  readonly tables: TSchema;
  readonly schemaValidation: boolean;
  /** Whether only the schema's tables exist (see {@link DefineSchemaOptions.strictTableNameTypes}). */
  readonly strictTableNameTypes: boolean;
  private cachedJson: SchemaJSON | undefined;
  private cachedHash: string | undefined;

  constructor(tables: TSchema, options: DefineSchemaOptions = {}) {
    this.tables = tables;
    this.schemaValidation = options.schemaValidation ?? true;
    this.strictTableNameTypes = options.strictTableNameTypes ?? true;
  }

  /** The schema as plain JSON: what `convoy sync` diffs and the hash covers. */
  get json(): SchemaJSON {
    this.cachedJson ??= {
      version: 1,
      schemaValidation: this.schemaValidation,
      // only when off, so the hashes of strict schemas stay what they were
      ...(this.strictTableNameTypes ? {} : { strictTableNameTypes: false as const }),
      tables: Object.fromEntries(Object.keys(this.tables).sort().map((name) => [name, this.tables[name]!.json])),
    };
    return this.cachedJson;
  }

  /**
   * A deterministic SHA-256 (hex) of the schema: it changes with any table, field, validator,
   * index or option, never with object key order or source formatting.
   */
  get hash(): string {
    this.cachedHash ??= schemaHash(this.json);
    return this.cachedHash;
  }
}

/** The hash of a schema's JSON (see {@link SchemaDefinition.hash}). */
export function schemaHash(json: SchemaJSON): string {
  return hashJson(json);
}

/**
 * Defines the schema of a Convoy app: one {@link TableDefinition} per table.
 *
 * @example
 * export default defineSchema({
 *   messages: defineTable({ author: v.string(), body: v.string() }).index("by_author", ["author"]),
 * });
 */
export function defineSchema<TSchema extends GenericSchema>(tables: TSchema, options: DefineSchemaOptions = {}): SchemaDefinition<TSchema> {
  if (typeof tables !== "object" || tables === null || Array.isArray(tables)) throw schemaDefinitionError("defineSchema() needs an object of tables");
  const tags = new Map<number, string>();
  const relations = new Set(Object.keys(tables));
  for (const name of Object.keys(tables)) {
    checkTableName(name);
    const table: unknown = tables[name];
    if (!(table instanceof TableDefinition)) throw schemaDefinitionError(`table "${name}" must be made with defineTable()`);
    for (const index of [{ name: "by_creation_time" }, ...table.indexes]) {
      const pgName = indexNameFor(name, index.name);
      if (pgName.length > MAX_IDENTIFIER_LENGTH) {
        throw schemaDefinitionError(`index "${index.name}" of table "${name}": "${pgName}" is longer than Postgres's ${MAX_IDENTIFIER_LENGTH} characters`);
      }
      if (relations.has(pgName)) throw schemaDefinitionError(`index "${index.name}" of table "${name}": its Postgres name "${pgName}" is already taken`);
      relations.add(pgName);
    }
    const tag = tableTag(name);
    const other = tags.get(tag);
    if (other !== undefined) throw schemaDefinitionError(`tables "${other}" and "${name}" have the same id tag; rename one of them`);
    tags.set(tag, name);
  }
  if (options.schemaValidation !== undefined && typeof options.schemaValidation !== "boolean") {
    throw schemaDefinitionError("schemaValidation must be a boolean");
  }
  if (options.strictTableNameTypes !== undefined && typeof options.strictTableNameTypes !== "boolean") {
    throw schemaDefinitionError("strictTableNameTypes must be a boolean");
  }
  return new SchemaDefinition(tables, options);
}

/**
 * The schema of an app without `schema.ts`, as Convex runs one: no validation, and every table
 * is created on its first insert (schemaless: any document, `by_id` and `by_creation_time`).
 */
export function schemalessSchema(): SchemaDefinition {
  return defineSchema({}, { schemaValidation: false, strictTableNameTypes: false });
}

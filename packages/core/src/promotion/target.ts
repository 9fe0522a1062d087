import type { SchemaDefinition } from "../schema/index.js";
import { promotedColumnType, type PromotedColumnType } from "../storage/promoted-column.js";
import { PromotionError } from "./promotion-error.js";

/** What one promotion is about: the field, its column type and the schema indexes that use it. */
export interface PromotionTarget {
  pgSchema: string;
  table: string;
  field: string;
  type: PromotedColumnType;
  /** The table's schema indexes whose fields include the promoted field (each gets a column-backed copy). */
  indexes: { name: string; fields: string[] }[];
}

/** Splits the CLI argument `<table>.<field>`; a nested path (`t.a.b`) is refused with the reason. */
export function parseTargetArgument(argument: string): { table: string; field: string } {
  const dot = argument.indexOf(".");
  if (dot <= 0 || dot === argument.length - 1) throw new PromotionError(`expected <table>.<field>, got ${JSON.stringify(argument)}`);
  const table = argument.slice(0, dot);
  const field = argument.slice(dot + 1);
  if (field.includes(".")) throw new PromotionError(`cannot promote ${table}.${field}: a nested path; top-level fields only for now`);
  return { table, field };
}

/**
 * The promotion of `<table>.<field>` as the schema declares it. Refuses (before anything is
 * changed) a table or field the schema lacks, a field not declared in `.columns([...])`, and a
 * field whose validator has no column type, with the reason.
 */
export function resolveTarget(schema: SchemaDefinition, pgSchema: string, argument: string): PromotionTarget {
  const { table, field } = parseTargetArgument(argument);
  const definition = schema.tables[table];
  if (definition === undefined) throw new PromotionError(`cannot promote ${table}.${field}: the schema has no table "${table}"`);
  const typed = promotedColumnType(table, field, definition.validator);
  if ("refused" in typed) throw new PromotionError(`cannot promote ${table}.${field}: ${typed.refused}`);
  if (!definition.promotedColumns.includes(field)) {
    throw new PromotionError(`cannot promote ${table}.${field}: not declared; add it to the table's \`.columns([...])\` in schema.ts (e.g. \`.columns(["${field}"])\`), then run \`convoy sync\``);
  }
  const indexes = definition.indexes.filter((index) => index.fields.includes(field)).map((index) => ({ name: index.name, fields: [...index.fields] }));
  return { pgSchema, table, field, type: typed.type, indexes };
}

import { FrameworkError } from "../errors/index.js";
import { MAX_IDENTIFIER_LENGTH } from "../storage/sql/identifiers.js";

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;


/** Index names every table has implicitly (Convex's names). */
export const SYSTEM_INDEXES = ["by_id", "by_creation_time"] as const;

/** An error in a schema definition, raised when the schema is defined. */
export function schemaDefinitionError(message: string): FrameworkError {
  return new FrameworkError("INTERNAL", `invalid schema: ${message}`);
}

function checkName(kind: string, name: unknown, maxLength = MAX_IDENTIFIER_LENGTH): asserts name is string {
  if (typeof name !== "string" || name === "") throw schemaDefinitionError(`${kind} name must be a non-empty string`);
  if (name.startsWith("_")) throw schemaDefinitionError(`${kind} name "${name}" starts with "_", which is reserved for system names`);
  if (!NAME.test(name)) {
    throw schemaDefinitionError(`${kind} name "${name}" must start with a letter and contain only letters, digits and "_"`);
  }
  if (name.length > maxLength) throw schemaDefinitionError(`${kind} name "${name}" is longer than ${maxLength} characters`);
}

/** Checks a table name: an identifier that does not start with `_` and fits Postgres's limit. */
export function checkTableName(name: unknown): asserts name is string {
  checkName("table", name);
}

/** Checks an index name (the table is checked separately for the combined Postgres name). */
export function checkIndexName(name: unknown): asserts name is string {
  checkName("index", name);
  if ((SYSTEM_INDEXES as readonly string[]).includes(name)) throw schemaDefinitionError(`index name "${name}" is reserved: every table has it`);
}

/** Checks an index field path such as `"author"` or `"profile.city"`. */
export function checkIndexField(indexName: string, field: unknown): asserts field is string {
  if (typeof field !== "string" || field === "") throw schemaDefinitionError(`index "${indexName}": fields must be non-empty strings`);
  const segments = field.split(".");
  if (segments[0]!.startsWith("_")) {
    throw schemaDefinitionError(`index "${indexName}": field "${field}" is a system field; every index already ends with _creationTime`);
  }
  // Any name a document may hold can be indexed: field names become SQL string literals.
  for (const segment of segments) {
    if (segment === "" || segment.startsWith("$") || segment.includes("\u0000")) {
      throw schemaDefinitionError(`index "${indexName}": field "${field}" must be a dotted path of field names (non-empty, not starting with "$")`);
    }
  }
}

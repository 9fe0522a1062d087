import { canonicalJson } from "../schema/canonical-json.js";
import type { SchemaJSON } from "../schema/schema-json.js";
import { KEY_COLUMN_PREFIX, fieldStorage, indexedPaths, tableStorage, type RecordedColumns, type TableStorage } from "../storage/table-storage.js";
import { indexNameFor } from "../storage/index-names.js";
import { PROMOTIONS_SQL, createPromotedIndexSql, promotedIndexName, type PromotedColumnType, type RecordedPromotion } from "../storage/promoted-column.js";
import { RECORD_SCHEMA_SQL, effectiveSchema, recordSchemaParams, switchedIn } from "./effective-schema.js";
import { DB_FUNCTIONS_SQL } from "../storage/sql/filter-functions.js";
import { literal, qualified, quoteIdent, quoteName } from "../storage/sql/identifiers.js";
import { CONVOY_SCHEMA, SORT_KEY_FUNCTION, SORT_KEY_FUNCTION_SQL } from "../storage/sql/sort-key-function.js";
import type { ValidatorJSON } from "../values/validator-json.js";
import {
  BOOKKEEPING_SQL,
  REQUEST_LOG_SQL,
  SCHEDULER_SQL,
  DEFAULT_PG_SCHEMA,
  TABLES_TABLE,
  addKeyColumnsSql,
  createIndexSql,
  createTableSql,
  indexDefinition,
  keyColumns,
  tableColumns,
} from "../storage/layout.js";
import { NEW_INDEX_PREFIX, OLD_INDEX_PREFIX, commentIndexSql, temporaryIndexName, type IndexComment } from "./ddl.js";
import { indexMethodAndColumns, type DatabaseState, type IntrospectedIndex, type IntrospectedTable } from "./introspect.js";
import type { KeptItem, PlanStep, SyncPlan, SyncStatement } from "./plan-types.js";
import { SyncError } from "./sync-error.js";

/** How a plan may change the database. */
export interface PlanOptions {
  /** Also drop tables, indexes and fields the code no longer has (default: keep them). */
  allowDrop?: boolean;
  /**
   * Build and drop indexes of existing tables `CONCURRENTLY` (real servers; PGlite cannot).
   * Concurrent statements run outside any transaction.
   */
  concurrent?: boolean;
}

/** A code index with its Postgres name and expected definition. */
interface ExpectedIndex {
  name: string;
  pgName: string;
  fields: string[];
  definition: string;
}

/** The storage layout the code gives a table: the promoted columns `convoy.columns` records, a key column per indexed path. */
export function expectedStorage(table: string, schema: SchemaJSON, recorded?: ReadonlyMap<string, string>): TableStorage {
  return tableStorage(recorded, indexedPaths(schema.tables[table]?.indexes ?? []));
}

/** Every index a table of the code needs: `by_creation_time`, then the user's (`by_id` is the primary key). */
export function expectedIndexes(table: string, schema: SchemaJSON, storage: TableStorage = expectedStorage(table, schema)): ExpectedIndex[] {
  const definition = schema.tables[table];
  if (definition === undefined) return [];
  return [{ name: "by_creation_time", fields: [] as string[] }, ...definition.indexes].map((index) => ({
    name: index.name,
    pgName: indexNameFor(table, index.name),
    fields: [...index.fields],
    definition: indexDefinition(index.fields, storage),
  }));
}

/** The definition Convoy expects for an index name of a table, for {@link introspect}'s probe. */
export function expectedDefinitionLookup(schema: SchemaJSON, recorded: RecordedColumns = new Map()): (table: string, indexName: string) => string | undefined {
  return (table, indexName) => {
    return expectedIndexes(table, schema, expectedStorage(table, schema, recorded.get(table))).find((index) => index.pgName === indexName)?.definition;
  };
}

/** Checks that a table has the columns its storage layout (the catalog's, from `convoy.columns`) needs. */
function checkColumns(table: IntrospectedTable, storage: TableStorage): void {
  for (const name of storage.keyColumns.values()) {
    const column = table.columns.find((c) => c.name === name);
    if (column !== undefined && (column.type !== "bytea" || column.generated !== true)) {
      throw new SyncError(`table "${table.name}" has a column "${name}" that is not Convoy's generated key column (bytea GENERATED ALWAYS AS … STORED); rename or drop it`);
    }
  }
  const expectedColumns = tableColumns(storage);
  for (const expected of expectedColumns) {
    const column = table.columns.find((c) => c.name === expected.name);
    if (column?.type !== expected.type || column.collation !== expected.collation) {
      const found = table.columns.map((c) => `${c.name} ${c.type}${c.collation === null ? "" : ` COLLATE "${c.collation}"`}`).join(", ");
      throw new SyncError(
        `table "${table.name}" exists but is not a Convoy table: it needs ${expectedColumns.map((c) => `${c.name} ${c.type}${c.collation === null ? "" : ` COLLATE "${c.collation}"`}`).join(", ")}; it has ${found}. Rename it or the schema's table.`,
      );
    }
  }
}

/** Top-level fields of an object validator that are gone from the new one. */
function removedTopLevelFields(before: ValidatorJSON, after: ValidatorJSON): string[] {
  if (before.type !== "object") return [];
  const kept = after.type === "object" ? new Set(Object.keys(after.value)) : null;
  if (kept === null) return [];
  return Object.keys(before.value).filter((field) => !kept.has(field)).sort();
}

/** `UPDATE` removing a top-level field from every document (its key of the document column, or its own column). */
function dropFieldSql(sqlTable: string, storage: TableStorage, field: string): string {
  const where = fieldStorage(storage, field);
  if (where.kind === "column") return `UPDATE ${sqlTable} SET ${quoteName(where.column)} = NULL WHERE ${quoteName(where.column)} IS NOT NULL`;
  const column = quoteName(storage.documentColumn);
  return `UPDATE ${sqlTable} SET ${column} = ${column} - ${literal(field)} WHERE ${column} ? ${literal(field)}`;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Compares the database with the code's schema and returns the typed steps that make them
 * match, in order, with the exact SQL and the lock each statement takes. Pure: reads only
 * `state`. Never drops anything unless `allowDrop`; what it keeps is listed in `kept`.
 *
 * @example
 * const state = await introspect(tx, "public", expectedDefinitionLookup(schema.json));
 * const plan = planSync(state, schema.json, schema.hash, { concurrent: driver.kind === "pg" });
 */
export function planSync(state: DatabaseState, codeSchema: SchemaJSON, codeHash: string, options: PlanOptions = {}): SyncPlan {
  const pgSchema = state.pgSchema;
  // Declared promotions not switched yet are left to `convoy promote`: the database records the
  // effective schema (design §8), so servers of this code start before the switch.
  const switched = switchedIn(state.promotions ?? new Map<string, Map<string, RecordedPromotion>>());
  const pendingPromotions = Object.entries(codeSchema.tables)
    .flatMap(([table, json]) => (json.columns ?? []).filter((field) => !switched(table, field)).map((field) => ({ table, field })))
    .sort((a, b) => byName(`${a.table}.${a.field}`, `${b.table}.${b.field}`));
  const effective = pendingPromotions.length === 0 ? { json: codeSchema, hash: codeHash } : effectiveSchema({ json: codeSchema }, switched);
  const schema = effective.json;
  const schemaHash = effective.hash;
  const allowDrop = options.allowDrop === true;
  const concurrently = options.concurrent === true;
  const steps: PlanStep[] = [];
  const kept: KeptItem[] = [];
  const tx = (description: string, sql: string, lock: SyncStatement["lock"], lockTarget?: string, params?: unknown[]): SyncStatement => ({
    description,
    sql,
    lock,
    concurrent: false,
    ...(lockTarget === undefined ? {} : { lockTarget }),
    ...(params === undefined ? {} : { params }),
  });
  const target = (table: string) => `${pgSchema}.${table}`;

  // Convoy's bookkeeping and SQL functions.
  const bookkeeping: SyncStatement[] = [];
  if (!state.hasBookkeeping) {
    for (const sql of BOOKKEEPING_SQL) bookkeeping.push(tx(`create Convoy's bookkeeping schema "${CONVOY_SCHEMA}"`, sql, "none"));
  }
  else if (state.hasRequestLog === false) bookkeeping.push(tx("create the request log convoy.request_log (/api/sync mutation ids)", REQUEST_LOG_SQL, "none"));
  if (state.hasBookkeeping && state.hasScheduler === false) {
    for (const sql of SCHEDULER_SQL) bookkeeping.push(tx("create the scheduler's tables convoy.scheduled_functions and convoy.crons", sql, "none"));
  }
  if (state.hasBookkeeping && state.hasPromotions === false) bookkeeping.push(tx("create the promotions table convoy.promotions (convoy promote)", PROMOTIONS_SQL, "none"));
  if (!state.hasSortKeyFunction) bookkeeping.push(tx(`create function ${SORT_KEY_FUNCTION}`, SORT_KEY_FUNCTION_SQL, "none"));
  if (!state.hasFilterFunctions) {
    for (const sql of DB_FUNCTIONS_SQL) bookkeeping.push(tx("create filter function convoy.arith_v1 and its helpers", sql, "none"));
  }
  if (pgSchema !== DEFAULT_PG_SCHEMA && !state.hasUserSchema) bookkeeping.push(tx(`create schema ${pgSchema}`, `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(pgSchema)}`, "none"));
  if (bookkeeping.length > 0) steps.push({ kind: "bookkeeping", description: "create Convoy's bookkeeping schema and SQL functions", statements: bookkeeping });

  // After `convoy promote --finish`, a promoted field has no key column and its indexes only their column-backed twin.
  const finished = (table: string): Set<string> =>
    new Set((schema.tables[table]?.columns ?? []).filter((field) => state.promotions?.get(table)?.get(field)?.state === "finished"));
  const storageOf = (table: string): TableStorage => {
    const done = finished(table);
    const paths = indexedPaths(schema.tables[table]?.indexes ?? []).filter((path) => !done.has(path));
    return tableStorage(state.recordedColumns?.get(table), paths);
  };
  const createIndexStatements = (table: string, index: ExpectedIndex, build: { concurrent: boolean; name?: string }): SyncStatement[] => {
    const name = build.name ?? index.pgName;
    const comment: IndexComment = { convoy: 1, table, index: index.name, fields: index.fields, definition: index.definition };
    return [
      {
        description: `create index ${table}.${index.name}`,
        sql: createIndexSql(pgSchema, table, index.name, index.fields, { concurrently: build.concurrent, name, storage: storageOf(table) }),
        lock: build.concurrent ? "SHARE UPDATE EXCLUSIVE" : "SHARE",
        lockTarget: target(table),
        concurrent: build.concurrent,
        ...(build.concurrent ? { retryCleanup: `DROP INDEX CONCURRENTLY IF EXISTS ${qualified(pgSchema, name)}` } : {}),
      },
      tx(`record the definition of ${table}.${index.name}`, commentIndexSql(pgSchema, name, comment), "SHARE UPDATE EXCLUSIVE", `${pgSchema}.${name} (the index)`),
    ];
  };
  const dropIndexStatement = (description: string, table: string, name: string): SyncStatement =>
    concurrently
      ? { description, sql: `DROP INDEX CONCURRENTLY IF EXISTS ${qualified(pgSchema, name)}`, lock: "SHARE UPDATE EXCLUSIVE", lockTarget: target(table), concurrent: true }
      : tx(description, `DROP INDEX IF EXISTS ${qualified(pgSchema, name)}`, "ACCESS EXCLUSIVE", target(table));

  const codeTables = Object.keys(schema.tables).sort(byName);
  for (const table of codeTables) {
    const existing = state.tables.get(table);
    const indexes = expectedIndexes(table, schema, storageOf(table));
    const register = tx(`register table ${table}`, `INSERT INTO ${TABLES_TABLE} (pg_schema, table_name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, "ROW EXCLUSIVE", `${CONVOY_SCHEMA}.tables`, [pgSchema, table]);
    if (existing === undefined) {
      steps.push({
        kind: "create_table",
        table,
        adopt: false,
        description: `create table ${table}`,
        statements: [tx(`create table ${table}`, createTableSql(pgSchema, table, storageOf(table)), "none"), register],
      });
      for (const index of indexes) {
        // A new table is empty and unused: a plain build, in a transaction.
        steps.push({
          kind: "create_index",
          table,
          index: index.name,
          fields: index.fields,
          concurrent: false,
          description: `create index ${table}.${index.name} (${index.fields.join(", ") || "_creationTime"})`,
          statements: createIndexStatements(table, index, { concurrent: false }),
        });
      }
      continue;
    }
    checkColumns(existing, storageOf(table));
    if (!state.registeredTables.has(table)) {
      steps.push({ kind: "create_table", table, adopt: true, description: `register existing table ${table} as Convoy's`, statements: [register] });
    }
    planKeyColumns(table, existing);
    planTableIndexes(table, existing, indexes);
    planValidator(table, existing);
    planUnusedKeyColumns(table, existing);
  }

  function planKeyColumns(table: string, existing: IntrospectedTable): void {
    const missing = keyColumns(storageOf(table)).filter((column) => !existing.columns.some((c) => c.name === column.name));
    if (missing.length === 0) return;
    const paths = missing.map((column) => column.path);
    steps.push({
      kind: "add_key_columns",
      table,
      paths,
      description: `add the generated key column${paths.length === 1 ? "" : "s"} of ${table}.${paths.join(`, ${table}.`)} (rewrites the table)`,
      statements: [tx(`add key columns to ${table} (rewrites the table and its indexes)`, addKeyColumnsSql(pgSchema, table, missing), "ACCESS EXCLUSIVE", target(table))],
    });
  }

  /** Key columns no index of the code uses (after the indexes that used them are dropped). */
  function planUnusedKeyColumns(table: string, existing: IntrospectedTable): void {
    const expected = new Set(storageOf(table).keyColumns.values());
    for (const column of existing.columns) {
      if (column.generated !== true || !column.name.startsWith(KEY_COLUMN_PREFIX) || expected.has(column.name)) continue;
      if (!allowDrop) {
        kept.push({ kind: "key_column", table, name: column.name });
        continue;
      }
      steps.push({
        kind: "drop_key_column",
        table,
        column: column.name,
        description: `drop key column ${table}.${column.name} (no index uses it; --allow-drop)`,
        statements: [tx(`drop key column ${column.name}`, `ALTER TABLE ${qualified(pgSchema, table)} DROP COLUMN IF EXISTS ${quoteName(column.name)}`, "ACCESS EXCLUSIVE", target(table))],
      });
    }
  }

  function planTableIndexes(table: string, existing: IntrospectedTable, indexes: ExpectedIndex[]): void {
    const byPgName = new Map(existing.indexes.map((index) => [index.name, index]));
    for (const leftover of existing.indexes.filter((index) => index.name.startsWith(NEW_INDEX_PREFIX) || index.name.startsWith(OLD_INDEX_PREFIX))) {
      steps.push({
        kind: "drop_leftover_index",
        table,
        name: leftover.name,
        description: `drop ${leftover.name}, a temporary index left on ${table} by an interrupted sync`,
        statements: [dropIndexStatement(`drop leftover index ${leftover.name}`, table, leftover.name)],
      });
    }
    const done = finished(table);
    for (const index of indexes) {
      if (index.fields.some((field) => done.has(field))) continue;
      const current = byPgName.get(index.pgName);
      if (current === undefined) {
        steps.push({
          kind: "create_index",
          table,
          index: index.name,
          fields: index.fields,
          concurrent: concurrently,
          description: `create index ${table}.${index.name} (${index.fields.join(", ") || "_creationTime"})${concurrently ? " concurrently" : ""}`,
          statements: createIndexStatements(table, index, { concurrent: concurrently }),
        });
      } else if (!current.valid) {
        steps.push({
          kind: "rebuild_invalid_index",
          table,
          index: index.name,
          fields: index.fields,
          description: `rebuild index ${table}.${index.name}: it is INVALID (a concurrent build failed)`,
          statements: [dropIndexStatement(`drop the INVALID index ${index.pgName}`, table, index.pgName), ...createIndexStatements(table, index, { concurrent: concurrently })],
        });
      } else if (!matches(current, index)) {
        if (current.recorded === null && state.canonicalDefinitions.get(index.definition) === indexMethodAndColumns(current.definition)) {
          steps.push({
            kind: "record_index",
            table,
            index: index.name,
            description: `record the definition of ${table}.${index.name} (built by an earlier Convoy; it matches)`,
            statements: [createIndexStatements(table, index, { concurrent: false })[1]!],
          });
          continue;
        }
        const newName = temporaryIndexName(NEW_INDEX_PREFIX, table, index.name);
        const oldName = temporaryIndexName(OLD_INDEX_PREFIX, table, index.name);
        steps.push({
          kind: "replace_index",
          table,
          index: index.name,
          fields: index.fields,
          previous: current.definition,
          description: `replace index ${table}.${index.name}: its definition changed to (${index.fields.join(", ") || "_creationTime"}); the new index is built before the old one goes`,
          statements: [
            ...createIndexStatements(table, index, { concurrent: concurrently, name: newName }),
            tx(`set the old ${index.pgName} aside`, `ALTER INDEX ${qualified(pgSchema, index.pgName)} RENAME TO ${quoteIdent(oldName)}`, "SHARE UPDATE EXCLUSIVE", target(table)),
            tx(`put the new index in place as ${index.pgName}`, `ALTER INDEX ${qualified(pgSchema, newName)} RENAME TO ${quoteIdent(index.pgName)}`, "SHARE UPDATE EXCLUSIVE", target(table)),
            dropIndexStatement(`drop the old ${index.pgName}`, table, oldName),
          ],
        });
      }
    }
    // The column-backed indexes of switched promotions (`convoy promote` builds them; sync builds
    // those of indexes added after the switch, since servers then read through them).
    const promoted = new Map<string, PromotedColumnType>();
    for (const field of schema.tables[table]?.columns ?? []) {
      const promotion = state.promotions?.get(table)?.get(field);
      if (promotion !== undefined && switched(table, field)) promoted.set(field, promotion.type);
    }
    const promotedNames = new Set<string>();
    for (const index of indexes) {
      const name = promotedIndexName(table, index.name);
      promotedNames.add(name);
      if (!index.fields.some((field) => promoted.has(field)) || byPgName.has(name)) continue;
      steps.push({
        kind: "create_index",
        table,
        index: index.name,
        fields: index.fields,
        concurrent: concurrently,
        description: `create the column-backed index ${name} of ${table}.${index.name} (promoted fields)${concurrently ? " concurrently" : ""}`,
        statements: [
          {
            description: `create index ${name}`,
            sql: createPromotedIndexSql(pgSchema, table, index, promoted, { concurrently }),
            lock: concurrently ? "SHARE UPDATE EXCLUSIVE" : "SHARE",
            lockTarget: target(table),
            concurrent: concurrently,
            ...(concurrently ? { retryCleanup: `DROP INDEX CONCURRENTLY IF EXISTS ${qualified(pgSchema, name)}` } : {}),
          },
        ],
      });
    }
    // Convoy's indexes that the code no longer has.
    const expectedNames = new Set(indexes.map((index) => index.pgName));
    for (const index of existing.indexes) {
      if (index.primary || expectedNames.has(index.name) || promotedNames.has(index.name) || !isConvoyIndex(table, index)) continue;
      const name = index.recorded?.index ?? index.name.slice(table.length + 2);
      if (allowDrop) {
        steps.push({ kind: "drop_index", table, index: name, description: `drop index ${table}.${name} (removed from the schema; --allow-drop)`, statements: [dropIndexStatement(`drop index ${index.name}`, table, index.name)] });
      } else {
        kept.push({ kind: "index", table, name });
      }
    }
  }

  function matches(current: IntrospectedIndex, index: ExpectedIndex): boolean {
    return current.recorded !== null && current.recorded.definition === index.definition;
  }

  function planValidator(table: string, existing: IntrospectedTable): void {
    const documentType = schema.tables[table]!.documentType;
    const previous = state.storedSchema?.tables[table]?.documentType;
    const validationWasOff = state.storedSchema !== null && !state.storedSchema.schemaValidation;
    const removed = previous === undefined ? [] : removedTopLevelFields(previous, documentType);
    for (const field of removed) {
      if (allowDrop) {
        steps.push({
          kind: "drop_field",
          table,
          field,
          description: `drop field ${table}.${field} from every document that has it (removed from the schema; --allow-drop)`,
          statements: [
            tx(
              `remove ${field} from the documents of ${table}`,
              dropFieldSql(qualified(pgSchema, existing.name), storageOf(table), field),
              "ROW EXCLUSIVE",
              target(table),
            ),
          ],
        });
      } else {
        kept.push({ kind: "field", table, name: field });
      }
    }
    if (!schema.schemaValidation || documentType.type === "any") return;
    const changed = previous === undefined || validationWasOff || canonicalJson(previous) !== canonicalJson(documentType);
    if (!changed) return;
    steps.push({
      kind: "check_documents",
      table,
      reason: previous === undefined ? "validator_unknown" : "validator_changed",
      removedFields: removed,
      description:
        previous === undefined
          ? `check the existing documents of ${table} against its validator (the database has no record of the previous one)`
          : `check the existing documents of ${table} against its changed validator`,
      statements: [],
    });
  }

  // Convoy's tables that the code no longer has (none, when tables outside the schema are allowed: they are the app's).
  const codeTableSet = new Set(codeTables);
  for (const table of schema.strictTableNameTypes === false ? [] : [...state.registeredTables].sort(byName)) {
    if (codeTableSet.has(table) || !state.tables.has(table)) continue;
    if (allowDrop) {
      steps.push({
        kind: "drop_table",
        table,
        description: `drop table ${table} and all its documents (removed from the schema; --allow-drop)`,
        statements: [
          tx(`drop table ${table}`, `DROP TABLE ${qualified(pgSchema, table)}`, "ACCESS EXCLUSIVE", target(table)),
          tx(`unregister table ${table}`, `DELETE FROM ${TABLES_TABLE} WHERE pg_schema = $1 AND table_name = $2`, "ROW EXCLUSIVE", `${CONVOY_SCHEMA}.tables`, [pgSchema, table]),
        ],
      });
    } else {
      kept.push({ kind: "table", table });
    }
  }

  if (steps.length > 0 || state.storedHash !== schemaHash) {
    steps.push({
      kind: "record_schema",
      hash: schemaHash,
      description: `record schema ${schemaHash.slice(0, 12)} as the database's`,
      statements: [
        tx(
          "record the schema hash and JSON",
          RECORD_SCHEMA_SQL,
          "ROW EXCLUSIVE",
          `${CONVOY_SCHEMA}.meta`,
          recordSchemaParams({ hash: schemaHash, json: schema }),
        ),
      ],
    });
  }
  return { pgSchema, schemaHash, databaseHash: state.storedHash, steps, kept, ...(pendingPromotions.length === 0 ? {} : { pendingPromotions }) };
}

/** Whether an index of a table is one Convoy made (`<table>__<index>`, or with Convoy's recorded definition). */
function isConvoyIndex(table: string, index: IntrospectedIndex): boolean {
  return index.recorded?.table === table || index.name.startsWith(`${table}__`);
}

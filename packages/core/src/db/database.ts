import { FrameworkError } from "../errors/index.js";
import type { Queryable } from "../driver/index.js";
import type { AccessLog } from "../storage/access-log.js";
import type { Catalog, CatalogTable } from "../storage/catalog.js";
import { isIdFormat, newCreationTime, newId, tagOfId } from "../storage/ids.js";
import { isPlainObject } from "../values/validation-issue.js";
import type { GenericDataModel } from "../schema/data-model.js";
import type { GenericDatabaseWriter } from "../server/database.js";
import type { GenericId, Value } from "../values/value.js";
import type { DocumentCache } from "./document-cache.js";
import { rowSql } from "../storage/row-sql.js";
import { columnValues, decodeRow, lazyIndexKeys, prepareFields, storedDocument, type Document, type DocumentRow } from "./documents.js";
import type { CursorKeys } from "./cursor.js";
import { QueryImpl, type QueryContext } from "./query.js";
import type { ReadBudget } from "./read-budget.js";
import { READ_ALLOWED, type DatabaseRules } from "./database-rules.js";
import { resolveIndex } from "./index-range.js";
import type { SystemDatabaseReader } from "../functions/scheduler-types.js";
import { createSystemReader } from "../scheduler/system-reader.js";
import { PASSES_FILTERS_COLUMN, compileSelect } from "./query-compiler.js";
import { TableLookup, absentCatalogTable, type TableLookups } from "../storage/dynamic-tables.js";

/** What {@link createDatabase} needs: one open transaction and the schema. */
export interface DatabaseOptions {
  /** An open transaction (mutation: serializable read-write; query: read-only snapshot). */
  tx: Queryable;
  /** The runtime schema (`createCatalog(schema)`). */
  catalog: Catalog;
  /** Where reads and writes are recorded. */
  log: AccessLog;
  /** `false` for queries: every write throws. */
  writable: boolean;
  /** Key(s) of pagination cursors: the database's secret (`loadCursorSecret`) or a key ring (`createCursorKeys`). */
  cursorSecret: string | CursorKeys;
  /**
   * The rows this transaction has read, shared by every `ctx.db` of the call (see
   * {@link DocumentCache}); omitted = every read goes to the database.
   */
  cache?: DocumentCache;
  /** Bounds of the call (`paginate` clamps `numItems` to `maxPageSize`; default 1024, `DEFAULT_MAX_PAGE_SIZE`). */
  limits?: { readonly maxPageSize: number };
  /** The call's read limits, shared by its nested calls; omitted = unbounded. */
  budget?: ReadBudget;
  /**
   * The table rules of the call (SPEC §10); omitted for administrative calls and apps without
   * rules, and then nothing of them runs.
   */
  rules?: DatabaseRules;
  /**
   * How a non-strict catalog's unknown tables are asked for (see storage/dynamic-tables.ts):
   * what the call already learnt, and a function that dooms the attempt and throws the request.
   * Omitted: an unknown table is an error, as with a strict schema.
   */
  lookups?: TableLookupChannel;
}

/** See {@link DatabaseOptions.lookups}. */
export interface TableLookupChannel {
  readonly state: TableLookups;
  request(lookup: TableLookup): never;
}

const SYSTEM_FIELDS = new Set(["_id", "_creationTime"]);

/**
 * The untyped engine behind `ctx.db`: Convex's reader and writer over plain documents
 * (`{ _id, _creationTime, ...fields }`, ids as strings). The typed `GenericDatabaseReader` /
 * `GenericDatabaseWriter` interfaces of `@convoy/core/server` describe it.
 *
 * @example
 * const db = createDatabase({ tx, catalog, log, writable: true, cursorSecret });
 * const id = await db.insert("messages", { author: "ada", body: "hi" });
 * await db.query("messages").withIndex("by_author", (q) => q.eq("author", "ada")).take(10);
 */
export class DatabaseImpl implements GenericDatabaseWriter<GenericDataModel> {
  constructor(private readonly options: DatabaseOptions) {}

  /** `db.system`: the `_scheduled_functions` system table, read in this transaction. */
  get system(): SystemDatabaseReader {
    return createSystemReader(this.options.tx);
  }

  /** Fetches a document by id (`get(id)` or `get(table, id)`); `null` when it does not exist. */
  async get(tableOrId: string, maybeId?: string): Promise<Document | null> {
    const { table, id } = maybeId === undefined ? this.tableOfId(tableOrId, "get") : { table: this.table(tableOrId), id: this.checkIdOf(this.table(tableOrId), maybeId, "get") };
    const row = this.options.rules === undefined ? await this.fetchRow(table, id) : await this.fetchReadableRow(table, id);
    this.options.log.read({ kind: "get", table: table.name, id });
    return row === null ? null : decodeRow(row, table);
  }

  /** Starts a query over a table (by default in `by_creation_time` order). */
  query(tableName: string): QueryImpl {
    const { tx, log, cursorSecret, cache, writable, limits, budget, rules } = this.options;
    const table = this.table(tableName);
    const readRule = rules?.readRule(table.name);
    const context: QueryContext = {
      tx,
      log,
      cursorSecret,
      budget,
      maxPageSize: limits?.maxPageSize,
      readRule,
      // Rows a mutation queried are often written next: remember them (queries only use gets).
      cache: writable ? cache : undefined,
    };
    return QueryImpl.create(context, table);
  }

  /** The id if `id` is an id of `tableName`, else `null`. */
  normalizeId<TTableName extends string>(tableName: TTableName, id: string): GenericId<TTableName> | null {
    const table = this.table(tableName);
    return typeof id === "string" && tagOfId(id) === table.tag ? (id as GenericId<TTableName>) : null;
  }

  /** Inserts a document; returns its new id. System fields cannot be set. */
  async insert<TTableName extends string>(tableName: TTableName, value: unknown): Promise<GenericId<TTableName>> {
    this.assertWritable("insert");
    const table = this.table(tableName, "write");
    const fields = this.userFields(table, value, null, "insert");
    const stored = prepareFields(table, fields, this.options.catalog.schemaValidation);
    const id = newId(table.name);
    const creationTime = newCreationTime();
    if (this.options.rules !== undefined) await this.options.rules.checkInsert(table.name, ruleDocument(fields, id, creationTime));
    await this.blindWrite(rowSql(table).insert, [id, creationTime, ...columnValues(table, stored)]);
    const newKeys = lazyIndexKeys(table, () => storedDocument(stored, id, creationTime));
    this.options.log.write({
      table: table.name,
      id,
      op: "insert",
      get newKeys() {
        return newKeys();
      },
    });
    return id as GenericId<TTableName>;
  }

  /** Shallow-merges `value` into a document (`patch(id, value)` or `patch(table, id, value)`); a field set to `undefined` is removed. */
  async patch(...args: [id: string, value: unknown] | [table: string, id: string, value: unknown]): Promise<void> {
    this.assertWritable("patch");
    const { table, id, value } = this.writeTarget(args, "patch");
    const old = await this.load(table, id, "patch");
    const changes = this.userFields(table, value, old, "patch");
    const next = withoutSystemFields(old);
    if (!isPlainObject(value)) throw new FrameworkError("SCHEMA_VALIDATION", `table "${table.name}": patch value must be an object`);
    for (const key of Object.keys(value)) {
      if (SYSTEM_FIELDS.has(key)) continue;
      if (value[key] === undefined) Reflect.deleteProperty(next, key);
      else next[key] = changes[key];
    }
    await this.update(table, old, next);
  }

  /** Replaces all user fields of a document (`replace(id, doc)` or `replace(table, id, doc)`). */
  async replace(...args: [id: string, value: unknown] | [table: string, id: string, value: unknown]): Promise<void> {
    this.assertWritable("replace");
    const { table, id, value } = this.writeTarget(args, "replace");
    const old = await this.load(table, id, "replace");
    await this.update(table, old, this.userFields(table, value, old, "replace"));
  }

  /** Deletes a document (`delete(id)` or `delete(table, id)`). */
  async delete(tableOrId: string, maybeId?: string): Promise<void> {
    this.assertWritable("delete");
    const { table, id } = maybeId === undefined ? this.tableOfId(tableOrId, "delete") : { table: this.table(tableOrId), id: this.checkIdOf(this.table(tableOrId), maybeId, "delete") };
    if (this.options.rules !== undefined) await this.options.rules.checkDelete(table.name, await this.load(table, id, "delete"));
    if (table.absent === true) throw new FrameworkError("INTERNAL", `delete: document ${id} does not exist in table "${table.name}"`);
    const cache = this.options.cache;
    cache?.invalidate(id);
    const version = cache?.version();
    const { rows } = await this.options.tx.query<DocumentRow>(rowSql(table).delete, [id]);
    const row = rows[0];
    if (row === undefined) throw new FrameworkError("INTERNAL", `delete: document ${id} does not exist in table "${table.name}"`);
    if (version !== undefined) cache!.remember(id, null, version);
    const oldKeys = lazyIndexKeys(table, () => decodeRow(row, table));
    this.options.log.write({
      table: table.name,
      id,
      op: "delete",
      get oldKeys() {
        return oldKeys();
      },
    });
  }

  private async update(table: CatalogTable, old: Document, fields: Record<string, Value | undefined>): Promise<void> {
    const stored = prepareFields(table, fields, this.options.catalog.schemaValidation);
    if (this.options.rules !== undefined) await this.options.rules.checkUpdate(table.name, old, ruleDocument(fields, old._id, old._creationTime));
    this.options.cache?.invalidate(old._id);
    await this.blindWrite(rowSql(table).update, [old._id, ...columnValues(table, stored)]);
    // `old` is this call's own decoded copy: nothing changes it after this point
    const oldKeys = lazyIndexKeys(table, () => old);
    const newKeys = lazyIndexKeys(table, () => storedDocument(stored, old._id, old._creationTime));
    this.options.log.write({
      table: table.name,
      id: old._id,
      op: "update",
      get oldKeys() {
        return oldKeys();
      },
      get newKeys() {
        return newKeys();
      },
    });
  }

  /**
   * A write whose answer nothing reads (an insert; an update of a row this transaction read):
   * where the transaction can, it is sent with the next statement or with COMMIT, in the same
   * round trip; its failure then fails that statement or the commit.
   */
  private async blindWrite(sql: string, params: unknown[]): Promise<void> {
    const { tx } = this.options;
    if (tx.defer !== undefined) tx.defer(sql, params);
    else await tx.query(sql, params);
  }

  /** The document to write: one the caller cannot read fails exactly as one that does not exist. */
  private async load(table: CatalogTable, id: string, method: string): Promise<Document> {
    const row = this.options.rules === undefined ? await this.fetchRow(table, id) : await this.fetchReadableRow(table, id);
    if (row === null) throw new FrameworkError("INTERNAL", `${method}: document ${id} does not exist in table "${table.name}"`);
    return decodeRow(row, table);
  }

  /** The row of `id` as this transaction sees it: from the call's cache, else one `SELECT` (then cached). */
  private async fetchRow(table: CatalogTable, id: string): Promise<DocumentRow | null> {
    const row = await this.fetchRowUncharged(table, id);
    if (row !== null) this.options.budget?.charge([row]);
    return row;
  }

  private async fetchRowUncharged(table: CatalogTable, id: string): Promise<DocumentRow | null> {
    const cache = this.options.cache;
    if (cache === undefined) return (await this.options.tx.query<DocumentRow>(rowSql(table).get, [id])).rows[0] ?? null;
    const cached = cache.get(id);
    if (cached !== undefined) return cached;
    const version = cache.version();
    const { rows } = await this.options.tx.query<DocumentRow>(rowSql(table).get, [id]);
    const row = rows[0] ?? null;
    cache.remember(id, row, version);
    return row;
  }

  /**
   * The row of `id` if the call's read rule lets it be read, else `null`. A filter rule is
   * evaluated by the database, in the statement that fetches the row (or remembered from a
   * statement of this call that did), a predicate on the decoded document.
   */
  private async fetchReadableRow(table: CatalogTable, id: string): Promise<DocumentRow | null> {
    const rule = this.options.rules?.readRule(table.name);
    if (rule === undefined) return this.fetchRow(table, id);
    if (rule.kind === "predicate") {
      const row = await this.fetchRow(table, id);
      return row !== null && (await rule.allows(decodeRow(row, table))) ? row : null;
    }
    const cache = this.options.cache;
    const cached = cache?.get(id);
    if (cached === null) return null;
    if (cached !== undefined && typeof cached[READ_ALLOWED] === "boolean") return cached[READ_ALLOWED] ? cached : null;
    const version = cache?.version();
    const byId = resolveIndex(table, "by_id");
    const { sql, params } = compileSelect({ index: byId, range: { eq: [id], lower: null, upper: null }, order: "asc", filters: [rule.node] }, { filtersAsColumn: true });
    const { rows } = await this.options.tx.query<DocumentRow>(sql, params);
    const row = rows[0] ?? null;
    if (row !== null) row[READ_ALLOWED] = row[PASSES_FILTERS_COLUMN] === true;
    if (version !== undefined) cache!.remember(id, row, version);
    return row !== null && row[READ_ALLOWED] === true ? row : null;
  }

  /**
   * The user fields of a written value. Top-level names starting with `_` are reserved; the
   * system fields may only repeat the existing document's values (patch/replace).
   */
  private userFields(table: CatalogTable, value: unknown, existing: Document | null, method: string): Record<string, Value | undefined> {
    if (!isPlainObject(value)) throw new FrameworkError("SCHEMA_VALIDATION", `table "${table.name}": ${method} expects a document object, got ${value === null ? "null" : typeof value}`);
    const fields: Record<string, Value | undefined> = {};
    for (const key of Object.keys(value)) {
      const field = value[key];
      if (key.startsWith("_")) {
        if (field === undefined) continue;
        if (existing !== null && key === "_id" && field === existing._id) continue;
        if (existing !== null && key === "_creationTime" && Object.is(field, existing._creationTime)) continue;
        const what = SYSTEM_FIELDS.has(key)
          ? `system field "${key}" cannot be ${existing === null ? "set" : "changed"}`
          : `field name "${key}" is reserved: top-level field names must not start with "_"`;
        throw new FrameworkError("SCHEMA_VALIDATION", `table "${table.name}": ${method}: ${what}`, { path: key });
      }
      if (key === "__proto__") Object.defineProperty(fields, key, { value: field, enumerable: true, writable: true, configurable: true });
      else fields[key] = field as Value | undefined;
    }
    return fields;
  }

  private writeTarget(args: [string, unknown] | [string, string, unknown], method: string): { table: CatalogTable; id: string; value: unknown } {
    if (args.length === 3) {
      const table = this.table(args[0]);
      return { table, id: this.checkIdOf(table, args[1], method), value: args[2] };
    }
    const { table, id } = this.tableOfId(args[0], method);
    return { table, id, value: args[1] };
  }

  /*
   * Ids usually come from the caller (args, a URL): a malformed id or one of another table is
   * the caller's mistake, `BAD_REQUEST` (Convex: "Invalid argument"), never a server fault.
   */

  /** The table of an id (from its tag). Throws `BAD_REQUEST` on a malformed id or one of no table of the schema. */
  private tableOfId(id: unknown, method: string): { table: CatalogTable; id: string } {
    if (typeof id !== "string" || !isIdFormat(id)) throw new FrameworkError("BAD_REQUEST", `invalid argument to db.${method}: ${describe(id)} is not a valid id`);
    const table = this.options.catalog.tablesByTag.get(tagOfId(id)!);
    const { lookups } = this.options;
    // an id of a table another server created since this catalog was loaded: reload the tables once
    if (table === undefined && !this.options.catalog.strictTableNames && lookups !== undefined && !lookups.state.reloaded) lookups.request(new TableLookup("reload", id));
    if (table === undefined) throw new FrameworkError("BAD_REQUEST", `invalid argument to db.${method}: id ${id} does not belong to any table of the schema`);
    return { table, id };
  }

  private checkIdOf(table: CatalogTable, id: unknown, method: string): string {
    if (typeof id !== "string" || !isIdFormat(id)) {
      throw new FrameworkError("BAD_REQUEST", `invalid argument to db.${method}: ${describe(id)} is not a valid id of table "${table.name}"`);
    }
    if (tagOfId(id) !== table.tag) {
      const owner = this.options.catalog.tablesByTag.get(tagOfId(id)!);
      throw new FrameworkError("BAD_REQUEST", `invalid argument to db.${method}: id ${id} is an id of ${owner === undefined ? "another table" : `table "${owner.name}"`}, not of table "${table.name}"`);
    }
    return id;
  }

  private table(name: string, intent: "read" | "write" = "read"): CatalogTable {
    const table = typeof name === "string" ? this.options.catalog.tables.get(name) : undefined;
    const { lookups } = this.options;
    if (table === undefined && typeof name === "string" && !this.options.catalog.strictTableNames && lookups !== undefined) {
      // a table outside the schema: created by its first insert, empty until then (as on Convex)
      if (intent === "write") lookups.request(new TableLookup("create", name));
      if (lookups.state.absent.has(name)) return absentCatalogTable(name);
      lookups.request(new TableLookup("resolve", name));
    }
    if (table === undefined) {
      const known = [...this.options.catalog.tables.keys()].map((t) => JSON.stringify(t)).join(", ");
      throw new FrameworkError("INTERNAL", `table ${describe(name)} does not exist in the schema (tables: ${known || "none"})`);
    }
    return table;
  }

  private assertWritable(method: string): void {
    if (!this.options.writable) throw new FrameworkError("INTERNAL", `cannot write inside a query (${method}): use a mutation`);
  }
}

function withoutSystemFields(document: Document): Record<string, Value | undefined> {
  const fields: Record<string, Value | undefined> = {};
  for (const key of Object.keys(document)) {
    if (SYSTEM_FIELDS.has(key)) continue;
    if (key === "__proto__") Object.defineProperty(fields, key, { value: document[key], enumerable: true, writable: true, configurable: true });
    else fields[key] = document[key] as Value;
  }
  return fields;
}

/** A written document as the write rules see it: its fields (none `undefined`) and system fields. */
function ruleDocument(fields: Record<string, Value | undefined>, id: string, creationTime: number): Document {
  const document: Document = { _id: id, _creationTime: creationTime };
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (value === undefined) continue;
    if (key === "__proto__") Object.defineProperty(document, key, { value, enumerable: true, writable: true, configurable: true });
    else document[key] = value;
  }
  return document;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return typeof value;
}

/** Creates the untyped `ctx.db` of one function call. */
export function createDatabase(options: DatabaseOptions): DatabaseImpl {
  return new DatabaseImpl(options);
}

import type { DocumentByName, GenericDataModel, TableNamesInDataModel, WithoutSystemFields } from "../schema/data-model.js";
import type { GenericId } from "../values/value.js";
import type { SystemDatabaseReader } from "../functions/scheduler-types.js";
import type { QueryInitializer } from "./query.js";

/** A table's info by name. */
export type NamedTableInfo<TDataModel extends GenericDataModel, TTableName extends TableNamesInDataModel<TDataModel>> = TDataModel[TTableName];

/** A document with its system fields made optional (what `replace` takes). */
export type WithOptionalSystemFields<TDocument> = TDocument extends unknown
  ? Omit<TDocument, "_id" | "_creationTime"> & Partial<Pick<TDocument, "_id" & keyof TDocument>> & Partial<Pick<TDocument, "_creationTime" & keyof TDocument>>
  : never;

/** What `patch` takes: some fields of the document (`undefined` removes a field). */
export type PatchValue<TDocument> = { [TField in keyof TDocument]?: TDocument[TField] | undefined };

/**
 * `ctx.db` in queries: reads one consistent snapshot.
 *
 * @example
 * const message = await ctx.db.get(id);
 * const recent = await ctx.db.query("messages").order("desc").take(10);
 */
export interface GenericDatabaseReader<TDataModel extends GenericDataModel> {
  /** The document with this id, or `null`. */
  get<TTableName extends TableNamesInDataModel<TDataModel>>(id: GenericId<TTableName>): Promise<DocumentByName<TDataModel, TTableName> | null>;
  /** The document with this id in `table` (throws if the id belongs to another table), or `null`. */
  get<TTableName extends TableNamesInDataModel<TDataModel>>(
    table: TTableName,
    id: GenericId<NoInfer<TTableName>>,
  ): Promise<DocumentByName<TDataModel, TTableName> | null>;
  /** Start a query on a table. */
  query<TTableName extends TableNamesInDataModel<TDataModel>>(table: TTableName): QueryInitializer<NamedTableInfo<TDataModel, TTableName>>;
  /** `id` as an id of `table`, or `null` if it is not one. */
  normalizeId<TTableName extends TableNamesInDataModel<TDataModel>>(table: TTableName, id: string): GenericId<TTableName> | null;
  /** Convoy's system tables, read-only: `_scheduled_functions` (Convex's fields). */
  readonly system: SystemDatabaseReader;
}

/**
 * `ctx.db` in mutations: reads and writes inside the mutation's transaction, and reads its own
 * writes.
 *
 * @example
 * const id = await ctx.db.insert("messages", { author: "ada", body: "hi" });
 * await ctx.db.patch(id, { body: "hello" });
 */
export interface GenericDatabaseWriter<TDataModel extends GenericDataModel> extends GenericDatabaseReader<TDataModel> {
  /** Insert a document; returns its new id. System fields cannot be set. */
  insert<TTableName extends TableNamesInDataModel<TDataModel>>(
    table: TTableName,
    document: WithoutSystemFields<DocumentByName<TDataModel, TTableName>>,
  ): Promise<GenericId<TTableName>>;
  /** Shallow-merge fields into a document; a field set to `undefined` is removed. */
  patch<TTableName extends TableNamesInDataModel<TDataModel>>(
    id: GenericId<TTableName>,
    value: PatchValue<DocumentByName<TDataModel, TTableName>>,
  ): Promise<void>;
  patch<TTableName extends TableNamesInDataModel<TDataModel>>(
    table: TTableName,
    id: GenericId<NoInfer<TTableName>>,
    value: PatchValue<DocumentByName<TDataModel, TTableName>>,
  ): Promise<void>;
  /** Replace a document's fields entirely. */
  replace<TTableName extends TableNamesInDataModel<TDataModel>>(
    id: GenericId<TTableName>,
    document: WithOptionalSystemFields<DocumentByName<TDataModel, TTableName>>,
  ): Promise<void>;
  replace<TTableName extends TableNamesInDataModel<TDataModel>>(
    table: TTableName,
    id: GenericId<NoInfer<TTableName>>,
    document: WithOptionalSystemFields<DocumentByName<TDataModel, TTableName>>,
  ): Promise<void>;
  /** Delete a document. */
  delete<TTableName extends TableNamesInDataModel<TDataModel>>(id: GenericId<TTableName>): Promise<void>;
  delete<TTableName extends TableNamesInDataModel<TDataModel>>(table: TTableName, id: GenericId<NoInfer<TTableName>>): Promise<void>;
}

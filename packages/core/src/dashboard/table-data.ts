import { rowSql } from "../storage/row-sql.js";
import { decodeRow, type DocumentRow } from "../db/documents.js";
import type { Queryable } from "../driver/index.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { Catalog, CatalogTable } from "../storage/catalog.js";
import { indexNameFor } from "../storage/index-names.js";
import { encodeValue } from "../values/encoding.js";
import type { JSONValue, Value } from "../values/value.js";

/** An index of a table: Convoy's name and fields, and Postgres's definition of it. */
export interface IndexInfo {
  name: string;
  fields: readonly string[];
  /** The Postgres index (`null` when the database lacks it). */
  pgName: string | null;
  /** `pg_indexes.indexdef`. */
  sql: string | null;
}

/** A table as the dashboard lists it. */
export interface TableInfo {
  name: string;
  documentCount: number | null;
  indexes: IndexInfo[];
  /** Indexes on the table that are not the schema's (made by hand). */
  otherIndexes: { pgName: string; sql: string }[];
}

/** A page of documents, newest first. */
export interface DocumentPage {
  documents: JSONValue[];
  /** Pass back as `cursor` for the next (older) page; `null` at the end. */
  nextCursor: string | null;
}

const PRIMARY_KEY_DEF = /USING btree \("?_id"?\)$/;

/** Every table of the schema with its document count and indexes (with their SQL from `pg_indexes`). */
export async function listTables(q: Queryable, catalog: Catalog): Promise<TableInfo[]> {
  const { rows } = await q.query<{ tablename: string; indexname: string; indexdef: string }>(
    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY tablename, indexname",
    [catalog.pgSchema],
  );
  const tables: TableInfo[] = [];
  for (const table of catalog.tables.values()) {
    const pgIndexes = rows.filter((row) => row.tablename === table.name);
    const used = new Set<string>();
    const indexes = [...table.indexes.values()].map((index): IndexInfo => {
      const found =
        index.name === "by_id"
          ? pgIndexes.find((row) => PRIMARY_KEY_DEF.test(row.indexdef) && row.indexdef.startsWith("CREATE UNIQUE"))
          : pgIndexes.find((row) => row.indexname === indexNameFor(table.name, index.name));
      if (found !== undefined) used.add(found.indexname);
      return { name: index.name, fields: index.fields, pgName: found?.indexname ?? null, sql: found?.indexdef ?? null };
    });
    const otherIndexes = pgIndexes.filter((row) => !used.has(row.indexname)).map((row) => ({ pgName: row.indexname, sql: row.indexdef }));
    tables.push({ name: table.name, documentCount: await countDocuments(q, table), indexes, otherIndexes });
  }
  return tables;
}

async function countDocuments(q: Queryable, table: CatalogTable): Promise<number | null> {
  try {
    const { rows } = await q.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${table.sqlName}`);
    return Number(rows[0]?.n ?? 0);
  } catch {
    return null; // the table is not in the database (yet)
  }
}

function encodeCursor(creationTime: number, id: string): string {
  return Buffer.from(JSON.stringify([creationTime, id])).toString("base64url");
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === "number" && typeof parsed[1] === "string") return [parsed[0], parsed[1]];
  } catch {
    // reported below
  }
  throw new FrameworkError("BAD_REQUEST", "malformed cursor");
}

/**
 * One page of a table's documents, newest first (`_creationTime`, then `_id`, descending),
 * keyset-paginated: `cursor` is the last document of the previous page, so pages stay
 * stable while documents are inserted.
 */
export async function readDocuments(q: Queryable, catalog: Catalog, tableName: string, cursor: string | null, limit: number): Promise<DocumentPage> {
  const table = catalog.tables.get(tableName);
  if (table === undefined) throw new FrameworkError("NOT_FOUND", `no table named ${JSON.stringify(tableName)} in the schema`);
  const columns = `SELECT ${rowSql(table).select} FROM ${table.sqlName}`;
  const order = `ORDER BY "_creation_time" DESC, "_id" DESC`;
  const { rows } =
    cursor === null
      ? await q.query<DocumentRow>(`${columns} ${order} LIMIT $1`, [limit + 1])
      : await q.query<DocumentRow>(`${columns} WHERE ("_creation_time", "_id") < ($1::float8, $2::text) ${order} LIMIT $3`, [...decodeCursor(cursor), limit + 1]);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    documents: page.map((row) => encodeValue(decodeRow(row, table) as unknown as Value)),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last._creation_time, last._id) : null,
  };
}

/**
 * The hand-written baseline: the same four operations as the bench app, written the way a
 * Postgres developer writes them over tables of their own (no Convoy SQL, sort keys or retry
 * policy): typed columns, a btree `(author, created_at DESC, id DESC)`, named prepared
 * statements, `READ COMMITTED` with `SELECT … FOR UPDATE` for the increment.
 * Shared by the HTTP baseline server (raw-server.ts), the runner bench (pg) and the embedded
 * bench (PGlite).
 */
import { randomUUID } from "node:crypto";
import type { Pool } from "pg";

/** Runs one named statement (pg: a prepared statement per connection; PGlite: unnamed). */
export type RunStatement = (name: string, text: string, values: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

/** Opens a `READ COMMITTED` transaction and runs `fn` in it. */
export type InTransaction = <T>(fn: (run: RunStatement) => Promise<T>) => Promise<T>;

export const HANDWRITTEN_DDL: readonly string[] = [
  `CREATE SCHEMA IF NOT EXISTS handwritten`,
  `CREATE TABLE handwritten.messages (id text PRIMARY KEY, author text NOT NULL, body text NOT NULL, likes double precision NOT NULL, created_at double precision NOT NULL)`,
  `CREATE INDEX messages_author_created ON handwritten.messages (author, created_at DESC, id DESC)`,
  `CREATE INDEX messages_created ON handwritten.messages (created_at DESC, id DESC)`,
  `CREATE TABLE handwritten.counters (id text PRIMARY KEY, name text NOT NULL UNIQUE, value bigint NOT NULL)`,
];

/** The same data as the Convoy tables get: `count` messages by `authors` authors, `counters` counters at 0. */
export function handwrittenSeedSql(count: number, authors: number, counters: number): string[] {
  return [
    `INSERT INTO handwritten.messages (id, author, body, likes, created_at)
     SELECT lpad(to_hex(i), 26, '0'), 'author' || (i % ${authors}), 'message ' || i, 0, 1700000000000 + i FROM generate_series(1, ${count}) AS i`,
    `INSERT INTO handwritten.counters (id, name, value) SELECT md5(i::text), 'c' || i, 0 FROM generate_series(0, ${counters - 1}) AS i`,
    `ANALYZE handwritten.messages`,
    `ANALYZE handwritten.counters`,
  ];
}

interface MessageRow {
  id: string;
  author: string;
  body: string;
  likes: number;
  created_at: number;
}
const toMessage = (row: MessageRow) => ({ _id: row.id, _creationTime: row.created_at, author: row.author, body: row.body, likes: row.likes });
const COLUMNS = "id, author, body, likes, created_at";

/** Newest `limit` messages of an author (the index walk, no sort). */
export async function byAuthor(run: RunStatement, author: string, limit: number): Promise<unknown[]> {
  const { rows } = await run("by_author", `SELECT ${COLUMNS} FROM handwritten.messages WHERE author = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [author, limit]);
  return (rows as unknown as MessageRow[]).map(toMessage);
}

/** A keyset page, newest first; the cursor is the last row's `(created_at, id)` as JSON. */
export async function page(run: RunStatement, numItems: number, cursor: string | null): Promise<{ page: unknown[]; isDone: boolean; continueCursor: string }> {
  const { rows } =
    cursor === null
      ? await run("page_first", `SELECT ${COLUMNS} FROM handwritten.messages ORDER BY created_at DESC, id DESC LIMIT $1`, [numItems + 1])
      : await run("page_next", `SELECT ${COLUMNS} FROM handwritten.messages WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT $3`, [...(JSON.parse(cursor) as [number, string]), numItems + 1]);
  const messages = rows as unknown as MessageRow[];
  const isDone = messages.length <= numItems;
  const items = messages.slice(0, numItems);
  const last = items.at(-1);
  return { page: items.map(toMessage), isDone, continueCursor: last === undefined ? "" : JSON.stringify([last.created_at, last.id]) };
}

/** Inserts a message; answers its id. */
export async function send(run: RunStatement, author: string, body: string): Promise<string> {
  const id = randomUUID();
  await run("send", `INSERT INTO handwritten.messages (id, author, body, likes, created_at) VALUES ($1, $2, $3, 0, $4)`, [id, author, body, Date.now()]);
  return id;
}

/** Increments a named counter (creating it at 1): lock the row, then write it. */
export function increment(transaction: InTransaction, name: string): Promise<number> {
  return transaction(async (run) => {
    const { rows } = await run("counter_lock", `SELECT id, value FROM handwritten.counters WHERE name = $1 FOR UPDATE`, [name]);
    const row = rows[0] as { id: string; value: string } | undefined;
    if (row === undefined) {
      const inserted = await run(
        "counter_insert",
        `INSERT INTO handwritten.counters (id, name, value) VALUES ($1, $2, 1) ON CONFLICT (name) DO UPDATE SET value = handwritten.counters.value + 1 RETURNING value`,
        [randomUUID(), name],
      );
      return Number((inserted.rows[0] as { value: string }).value);
    }
    const value = Number(row.value) + 1;
    await run("counter_update", `UPDATE handwritten.counters SET value = $2 WHERE id = $1`, [row.id, value]);
    return value;
  });
}

/** A {@link RunStatement} over a `pg` client or pool: named prepared statements. */
export function pgRun(client: { query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }> }): RunStatement {
  return async (name, text, values) => (await client.query({ name, text, values })) as { rows: Record<string, unknown>[] };
}

/** An {@link InTransaction} on a connection of a `pg` pool (`BEGIN` … `COMMIT`, `ROLLBACK` on failure). */
export function pgTransaction(pool: Pool): InTransaction {
  return async (fn) => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const result = await fn(pgRun(client));
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };
}

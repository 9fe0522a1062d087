import { randomBytes } from "node:crypto";
import pg from "pg";
import { createPgDriver, type Driver } from "../../packages/core/src/driver/index.js";

const ADMIN_URL = process.env.DATABASE_URL_BENCH ?? process.env.DATABASE_URL_TEST ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A fresh database on the real server for one benchmark, dropped by `drop()`. */
export async function createBenchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `convoy_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A fresh benchmark database with both sides of a comparison open on it: Convoy's driver and a raw `pg` pool. */
export interface BenchPair {
  url: string;
  driver: Driver;
  raw: pg.Pool;
  close(): Promise<void>;
}

/** Opens a {@link BenchPair} with `connections` connections on each side. */
export async function openBenchPair(connections: number): Promise<BenchPair> {
  const db = await createBenchDatabase();
  const driver = await createPgDriver({ connectionString: db.url, max: connections });
  const raw = new pg.Pool({ connectionString: db.url, max: connections });
  raw.on("error", () => undefined);
  return {
    url: db.url,
    driver,
    raw,
    async close() {
      await driver.close();
      await raw.end();
      await db.drop();
    },
  };
}

/** Inserts `count` playground-shaped messages (`author0`…`author<authors-1>`) in one statement, then ANALYZEs. */
export async function seedMessages(client: { query(sql: string): Promise<unknown> }, count: number, authors: number): Promise<void> {
  await client.query(
    `INSERT INTO messages (_id, _creation_time, data)
     SELECT lpad(to_hex(i), 26, '0'), 1700000000000 + i, jsonb_build_object('author', 'author' || (i % ${authors}), 'body', 'message ' || i, 'likes', 0)
     FROM generate_series(1, ${count}) AS i`,
  );
  await client.query("ANALYZE");
}

import { randomBytes } from "node:crypto";
import pg from "pg";

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

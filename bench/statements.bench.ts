/**
 * Issue 11: what the two SQL-level changes of the read path gain, measured on the server alone
 * (one connection, sequential, so the time is Postgres's parse + plan + execute + one round
 * trip): the `by_author` statement as it was (unnamed, so parsed and planned per call; the
 * eq-fixed key column in ORDER BY, so the plpgsql sort key computed for every returned row) and
 * after them (a named prepared statement; ORDER BY the system columns only), and each change
 * alone, all over an index on the expression (as Convoy built them then); and the statement as
 * it is now, over the index on the stored key column. Same results in the same order in every
 * variant.
 */
import pg from "pg";
import { createPgDriver } from "../packages/core/src/driver/index.js";
import { createRuntime } from "../packages/core/src/runtime/index.js";
import { createRegistrySync } from "../packages/core/src/functions/index.js";
import { defineSchema, defineTable } from "../packages/core/src/schema/index.js";
import { sortKey } from "../packages/core/src/storage/sort-key.js";
import { v } from "../packages/core/src/values/index.js";
import { createBenchDatabase, seedMessages } from "./lib/bench-database.js";
const schema = defineSchema({ messages: defineTable({ author: v.string(), body: v.string(), likes: v.number() }).index("by_author", ["author"]) });
export async function run(): Promise<void> {
  const db = await createBenchDatabase();
  const driver = await createPgDriver({ connectionString: db.url, max: 2 });
  await createRuntime({ driver, schema, ensureStorage: { databaseUrl: db.url }, registry: createRegistrySync({}) });
  await driver.close();
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  await seedMessages(c, 100000, 1000);
  await c.query(`CREATE INDEX messages_by_author_expression ON messages (convoy.sort_key_v1(data->'author'), _creation_time, _id)`);
  await c.query("ANALYZE messages");
  const KEYS = `SELECT "_id", "_creation_time", "data" FROM "public"."messages" WHERE "_key_author_6fa4dac9" = $1 ORDER BY "_creation_time" DESC, "_id" DESC LIMIT 10`;
  const OLD = `SELECT "_id", "_creation_time", "data" FROM "public"."messages" WHERE convoy.sort_key_v1("data"->'author') = $1 ORDER BY convoy.sort_key_v1("data"->'author') DESC, "_creation_time" DESC, "_id" DESC LIMIT 10`;
  const NEW = `SELECT "_id", "_creation_time", "data" FROM "public"."messages" WHERE convoy.sort_key_v1("data"->'author') = $1 ORDER BY "_creation_time" DESC, "_id" DESC LIMIT 10`;
  const variants: [string, (i: number) => Promise<unknown>][] = [
    ["unnamed, eq column in ORDER BY (before)", (i) => c.query(OLD, [Buffer.from(sortKey(`author${i % 1000}`))])],
    ["named, eq column in ORDER BY", (i) => c.query({ name: "old", text: OLD, values: [Buffer.from(sortKey(`author${i % 1000}`))] })],
    ["unnamed, ORDER BY system columns", (i) => c.query(NEW, [Buffer.from(sortKey(`author${i % 1000}`))])],
    ["named, ORDER BY system columns (after)", (i) => c.query({ name: "new", text: NEW, values: [Buffer.from(sortKey(`author${i % 1000}`))] })],
    ["named, key column (now)", (i) => c.query({ name: "keys", text: KEYS, values: [Buffer.from(sortKey(`author${i % 1000}`))] })],
  ];
  const N = 3000;
  const totals = new Map<string, number[]>();
  for (let round = 0; round < 3; round++) {
    for (const [name, op] of round % 2 === 0 ? variants : [...variants].reverse()) {
      const t0 = performance.now();
      for (let i = 0; i < N; i++) await op(i);
      const us = ((performance.now() - t0) * 1000) / N;
      totals.set(name, [...(totals.get(name) ?? []), us]);
    }
  }
  for (const [name, values] of totals) console.log(`  ${name.padEnd(42)} ${values.map((x) => x.toFixed(0)).join(" / ")} µs per query (sequential, 3 rounds)`);
  await c.end();
  await db.drop();
}

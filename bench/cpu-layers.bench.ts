/**
 * Issue 11: where a query's CPU goes, layer by layer, on one connection, sequentially (CPU µs
 * per call of this process, so the load of other processes matters less than for throughput):
 * the hand-written function, raw `pg` running Convoy's statement (prepared), Convoy's driver
 * running it, and the whole runner call (`withIndex` eq, `order("desc")`, `take(10)`).
 */
import { createPgDriver } from "../packages/core/src/driver/index.js";
import { createRegistrySync, queryGeneric } from "../packages/core/src/functions/index.js";
import { createRuntime } from "../packages/core/src/runtime/index.js";
import { defineSchema, defineTable } from "../packages/core/src/schema/index.js";
import { v } from "../packages/core/src/values/index.js";
import { sortKey } from "../packages/core/src/storage/sort-key.js";
import { createBenchDatabase, seedMessages } from "./lib/bench-database.js";
import { HANDWRITTEN_DDL, handwrittenSeedSql, byAuthor, pgRun } from "./lib/handwritten.js";
import pg from "pg";
const schema = defineSchema({ messages: defineTable({ author: v.string(), body: v.string(), likes: v.number() }).index("by_author", ["author"]) });
const registry = createRegistrySync({ bench: {
  byAuthor: queryGeneric({ args: { author: v.string() }, handler: (ctx, { author }) => ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", author)).order("desc").take(10) }),
} });
export async function run(): Promise<void> {
  const db = await createBenchDatabase();
  const driver = await createPgDriver({ connectionString: db.url, max: 1 });
  const runtime = await createRuntime({ driver, schema, ensureStorage: { databaseUrl: db.url }, registry });
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  try {
    for (const sql of [...HANDWRITTEN_DDL, ...handwrittenSeedSql(10_000, 100, 1)]) await pool.query(sql);
    await seedMessages(pool, 10_000, 100);
    const SQL = `SELECT "_id", "_creation_time", "data" FROM "public"."messages" WHERE "_key_author_6fa4dac9" = $1 ORDER BY "_creation_time" DESC, "_id" DESC LIMIT 10`;
    const statement = pgRun(pool);
    const layers: [string, (i: number) => Promise<unknown>][] = [
      ["hand-written function", (i) => byAuthor(statement, `author${i % 100}`, 10)],
      ["raw pg, Convoy's statement", (i) => pool.query({ name: "convoy_by_author", text: SQL, values: [Buffer.from(sortKey(`author${i % 100}`))] })],
      ["Convoy's driver.query", (i) => driver.query(SQL, [Buffer.from(sortKey(`author${i % 100}`))])],
      ["Convoy's runtime.run", (i) => runtime.run("query", "bench:byAuthor", { author: `author${i % 100}` })],
    ];
    console.log("\nCPU per query call, by layer (one connection, sequential, 4,000 calls, 2 rounds)");
    for (let round = 0; round < 2; round++) {
      for (const [name, op] of layers) {
        for (let i = 0; i < 500; i++) await op(i);
        const before = process.cpuUsage();
        for (let i = 0; i < 4000; i++) await op(i);
        const cpu = process.cpuUsage(before);
        console.log(`  ${name.padEnd(28)} ${((cpu.user + cpu.system) / 4000).toFixed(1)} µs CPU/call`);
      }
    }
  } finally {
    await pool.end();
    await driver.close();
    await db.drop();
  }
}

/**
 * Issue 3 benchmark: insert N documents with one indexed field through Convoy's storage layer
 * (storage form + id + a generated `convoy.sort_key_v1` key column and its index) vs a plain `INSERT … jsonb` with
 * a plain expression index, through `pg`, in the same run, same concurrency.
 */
import { defineSchema, defineTable } from "../packages/core/src/schema/index.js";
import { ensureSchema } from "../packages/core/src/schema-sync/ensure-schema.js";
import { newCreationTime, newId } from "../packages/core/src/storage/ids.js";
import { toStored } from "../packages/core/src/storage/stored-value.js";
import { v } from "../packages/core/src/values/index.js";
import { openBenchPair } from "./lib/bench-database.js";
import { measure, report } from "./lib/stats.js";

const N = Number(process.env.BENCH_INSERTS ?? 100_000);
const CONCURRENCY = 8;

export async function run(): Promise<void> {
  const bench = await openBenchPair(CONCURRENCY);
  const { driver, raw } = bench;
  try {
    const schema = defineSchema({ docs: defineTable({ author: v.string(), body: v.string() }).index("by_author", ["author"]) });
    await ensureSchema({ driver, databaseUrl: bench.url }, schema);
    await raw.query("CREATE TABLE raw_docs (id text PRIMARY KEY, created double precision NOT NULL, data jsonb NOT NULL)");
    await raw.query("CREATE INDEX raw_docs_author ON raw_docs ((data->>'author'), created, id)");
    const doc = (i: number) => ({ author: `author${i % 1000}`, body: `message number ${i}` });

    const rounds = 2;
    const per = Math.floor(N / rounds);
    const results = { convoy: [] as Awaited<ReturnType<typeof measure>>[], raw: [] as Awaited<ReturnType<typeof measure>>[] };
    for (let round = 0; round < rounds; round++) {
      results.raw.push(
        await measure("raw pg INSERT jsonb", per, CONCURRENCY, (i) =>
          raw.query("INSERT INTO raw_docs (id, created, data) VALUES ($1, $2, $3::jsonb)", [`r${round}_${i}`, Date.now(), JSON.stringify(doc(i))]),
        ),
      );
      results.convoy.push(
        await measure("convoy storage insert", per, CONCURRENCY, (i) =>
          driver.query('INSERT INTO "public"."docs" (_id, _creation_time, data) VALUES ($1, $2, $3::jsonb)', [newId("docs"), newCreationTime(), toStored(doc(i))]),
        ),
      );
    }
    const merge = (rs: Awaited<ReturnType<typeof measure>>[]) => ({
      name: rs[0]!.name,
      ops: rs.reduce((n, r) => n + r.ops, 0),
      seconds: rs.reduce((n, r) => n + r.seconds, 0),
      opsPerSecond: rs.reduce((n, r) => n + r.ops, 0) / rs.reduce((n, r) => n + r.seconds, 0),
      p50: Math.max(...rs.map((r) => r.p50)),
      p99: Math.max(...rs.map((r) => r.p99)),
    });
    report(`insert ${N} documents, one indexed field, ${CONCURRENCY} connections (rows/s)`, merge(results.convoy), merge(results.raw));
  } finally {
    await bench.close();
  }
}

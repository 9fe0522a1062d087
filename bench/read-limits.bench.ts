/**
 * Issue 12 benchmark: what per-call read limits cost on the read path. `collect()` of an index
 * range of 1000 documents and `take(20)` through the runner (every row charged against
 * `maxDocumentsRead`/`maxBytesRead`, large reads fetched in budget-sized batches) vs the same
 * SQL through raw `pg`, same run; then the accounting alone (`ReadBudget.charge`) against the
 * decoding every row already pays (`decodeRow`), per row.
 */
import { createRegistrySync, queryGeneric } from "../packages/core/src/functions/index.js";
import { decodeRow, type DocumentRow } from "../packages/core/src/db/documents.js";
import { DEFAULT_READ_LIMITS, ReadBudget } from "../packages/core/src/db/read-budget.js";
import { createRuntime } from "../packages/core/src/runtime/index.js";
import { defineSchema, defineTable } from "../packages/core/src/schema/index.js";
import { sortKey } from "../packages/core/src/storage/sort-key.js";
import { v } from "../packages/core/src/values/index.js";
import { openBenchPair, seedMessages } from "./lib/bench-database.js";
import { measure, report, type RunResult } from "./lib/stats.js";

const AUTHORS = 10;
const DOCS = Number(process.env.BENCH_READ_DOCS ?? 10_000);
const OPS = Number(process.env.BENCH_READ_OPS ?? 400);
const CONCURRENCY = 10;

const schema = defineSchema({
  messages: defineTable({ author: v.string(), body: v.string(), likes: v.number() }).index("by_author", ["author"]),
});
const byAuthor = queryGeneric({
  args: { author: v.string() },
  handler: (ctx, { author }) => ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", author)).collect(),
});
const latest = queryGeneric({
  args: { author: v.string() },
  handler: (ctx, { author }) => ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", author)).take(20),
});

const SELECT_BY_AUTHOR = `SELECT "_id", "_creation_time", "data" FROM "public"."messages" WHERE "_key_author_6fa4dac9" = $1 ORDER BY "_key_author_6fa4dac9", "_creation_time", "_id"`;

/** Nanoseconds per row of `fn` over `rows`, best of 5 rounds of `rounds` passes. */
function perRow(rows: DocumentRow[], rounds: number, fn: (rows: DocumentRow[]) => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let i = 0; i < rounds; i++) fn(rows);
    best = Math.min(best, ((performance.now() - started) * 1e6) / (rounds * rows.length));
  }
  return best;
}

export async function run(): Promise<void> {
  const bench = await openBenchPair(CONCURRENCY);
  const { driver, raw } = bench;
  try {
    const runtime = await createRuntime({ driver, schema, ensureStorage: { databaseUrl: bench.url }, registry: createRegistrySync({ bench: { byAuthor, latest } }) });
    await seedMessages(raw, DOCS, AUTHORS);
    const perAuthor = DOCS / AUTHORS;
    const pairs: [string, () => Promise<RunResult>, () => Promise<RunResult>][] = [
      [
        `collect() of an index range (${perAuthor} docs)`,
        () => measure("convoy runner", OPS, CONCURRENCY, (i) => runtime.run("query", "bench:byAuthor", { author: `author${i % AUTHORS}` })),
        () => measure("raw pg (same SQL)", OPS, CONCURRENCY, (i) => raw.query(SELECT_BY_AUTHOR, [Buffer.from(sortKey(`author${i % AUTHORS}`))])),
      ],
      [
        "take(20) of an index range",
        () => measure("convoy runner", OPS * 10, CONCURRENCY, (i) => runtime.run("query", "bench:latest", { author: `author${i % AUTHORS}` })),
        () => measure("raw pg (same SQL)", OPS * 10, CONCURRENCY, (i) => raw.query(`${SELECT_BY_AUTHOR} LIMIT 20`, [Buffer.from(sortKey(`author${i % AUTHORS}`))])),
      ],
    ];
    for (const [title, convoy, baseline] of pairs) {
      await baseline();
      await convoy();
      const b1 = await baseline();
      const c1 = await convoy();
      const c2 = await convoy();
      const b2 = await baseline();
      const best = (a: RunResult, b: RunResult) => (a.opsPerSecond >= b.opsPerSecond ? a : b);
      report(`${title}, ${CONCURRENCY} concurrent`, best(c1, c2), best(b1, b2));
    }

    // the accounting alone, per row, against the decoding every row already costs
    const rows = (await driver.query<DocumentRow>(SELECT_BY_AUTHOR, [Buffer.from(sortKey("author0"))])).rows;
    const table = runtime.catalog.tables.get("messages")!;
    const charge = perRow(rows, 200, (batch) => new ReadBudget(DEFAULT_READ_LIMITS, "bench").charge(batch, table));
    const decode = perRow(rows, 200, (batch) => {
      for (const row of batch) decodeRow(row, table);
    });
    console.log(`\nread accounting per row (${rows.length} rows): charge ${charge.toFixed(0)} ns, decodeRow ${decode.toFixed(0)} ns; ratio ${(charge / decode).toFixed(2)}x`);
  } finally {
    await bench.close();
  }
}

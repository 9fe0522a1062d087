import pg from "pg";
import { createPgDriver } from "/work/main/packages/convoy/src/driver/index.js";
import { createRegistrySync, mutationGeneric, queryGeneric } from "/work/main/packages/convoy/src/functions/index.js";
import { createRuntime } from "/work/main/packages/convoy/src/runtime/index.js";
import { defineSchema, defineTable } from "/work/main/packages/convoy/src/schema/index.js";
import { newCreationTime, newId } from "/work/main/packages/convoy/src/storage/ids.js";
import { v } from "/work/main/packages/convoy/src/values/index.js";
import { paginationOptsValidator } from "/work/main/packages/convoy/src/db/index.js";
import { createBenchDatabase } from "/work/main/bench/lib/bench-database.js";
import { measure } from "/work/main/bench/lib/stats.js";

const schema = defineSchema({
  messages: defineTable({ author: v.string(), body: v.string(), likes: v.number() }).index("by_author", ["author"]),
  counters: defineTable({ name: v.string(), value: v.number() }).index("by_name", ["name"]),
});
const byAuthor = queryGeneric({ args: { author: v.string() }, handler: (ctx, { author }) => ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", author)).take(20) });
const page = queryGeneric({ args: { paginationOpts: paginationOptsValidator }, handler: (ctx, { paginationOpts }) => ctx.db.query("messages").paginate(paginationOpts) });
const send = mutationGeneric({ args: { author: v.string(), body: v.string() }, handler: (ctx, args) => ctx.db.insert("messages", { ...args, likes: 0 }) });
const increment = mutationGeneric({ args: { id: v.string() }, handler: async (ctx, { id }) => { const c = await ctx.db.get(id as never); await ctx.db.patch(id as never, { value: (c as any).value + 1 }); } });
const which = process.argv[2] ?? "all";
const N = Number(process.env.N ?? 20000);
const db = await createBenchDatabase();
const driver = await createPgDriver({ connectionString: db.url, max: 10 });
const raw = new pg.Pool({ connectionString: db.url, max: 10 });
try {
  const runtime = await createRuntime({ driver, schema, registry: createRegistrySync({ bench: { byAuthor, page, send, increment } }) });
  await raw.query(`INSERT INTO messages (_id, _creation_time, data) SELECT lpad(to_hex(i), 26, '0'), 1700000000000 + i, jsonb_build_object('author', 'author' || (i % 1000), 'body', 'message ' || i, 'likes', 0) FROM generate_series(1, 20000) AS i`);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) { const id = newId("counters"); ids.push(id); await raw.query(`INSERT INTO counters (_id, _creation_time, data) VALUES ($1, $2, $3::jsonb)`, [id, newCreationTime(), JSON.stringify({ name: `c${i}`, value: 0 })]); }
  await raw.query("ANALYZE");
  const ops: Record<string, (i: number) => Promise<unknown>> = {
    lookup: (i) => runtime.run("query", "bench:byAuthor", { author: `author${i % 1000}` }),
    page: () => runtime.run("query", "bench:page", { paginationOpts: { numItems: 20, cursor: null } }),
    insert: (i) => runtime.run("mutation", "bench:send", { author: `author${i % 1000}`, body: "hi" }),
    incr: (i) => runtime.run("mutation", "bench:increment", { id: ids[i % 4]! }),
  };
  for (const [name, op] of Object.entries(ops)) {
    if (which !== "all" && which !== name) continue;
    const r = await measure(name, N, 10, op);
    console.log(name, r.opsPerSecond.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2));
  }
} finally { await driver.close(); await raw.end(); await db.drop(); }

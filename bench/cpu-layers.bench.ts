/**
 * Issue 11: where a query's CPU goes, layer by layer, on one connection, sequentially (CPU µs
 * per call of this process, so the load of other processes matters less than for throughput;
 * `BENCH_ROUNDS`, `BENCH_CALLS` tune it):
 * the hand-written function, raw `pg` running Convoy's statement (prepared), Convoy's driver
 * running it, and the whole runner call (`withIndex` eq, `order("desc")`, `take(10)`); then a
 * read-modify-write increment, hand-written (`READ COMMITTED`, `FOR UPDATE`) and through the runner;
 * each also over HTTP (`node:http` + the hand-written function vs Convoy's server, in this process,
 * called by a minimal keep-alive client).
 */
import { createPgDriver } from "../packages/core/src/driver/index.js";
import { createRegistrySync, mutationGeneric, queryGeneric } from "../packages/core/src/functions/index.js";
import { createRuntime } from "../packages/core/src/runtime/index.js";
import { defineSchema, defineTable } from "../packages/core/src/schema/index.js";
import { v } from "../packages/core/src/values/index.js";
import { sortKey } from "../packages/core/src/storage/sort-key.js";
import { createBenchDatabase, seedMessages } from "./lib/bench-database.js";
import { percentile } from "./lib/stats.js";
import { HANDWRITTEN_DDL, handwrittenSeedSql, byAuthor, increment, pgRun, pgTransaction } from "./lib/handwritten.js";
import { createServer as createNodeServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { createServer } from "../packages/core/src/http/index.js";
import { KeepAliveClient } from "./lib/keepalive-client.js";
const schema = defineSchema({
  messages: defineTable({ author: v.string(), body: v.string(), likes: v.number() }).index("by_author", ["author"]),
  counters: defineTable({ name: v.string(), value: v.number() }).index("by_name", ["name"]),
});
const registry = createRegistrySync({ bench: {
  byAuthor: queryGeneric({ args: { author: v.string() }, handler: (ctx, { author }) => ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", author)).order("desc").take(10) }),
  addCounter: mutationGeneric({ args: { name: v.string() }, handler: (ctx, { name }) => ctx.db.insert("counters", { name, value: 0 }) }),
  increment: mutationGeneric({
    args: { name: v.string() },
    handler: async (ctx, { name }) => {
      const counter = (await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", name)).unique()) as { _id: string; value: number };
      await ctx.db.patch(counter._id as never, { value: counter.value + 1 });
    },
  }),
} });
const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
const ok = async (status: Promise<number>) => {
  if ((await status) !== 200) throw new Error(`HTTP ${String(await status)}`);
};

export async function run(): Promise<void> {
  const db = await createBenchDatabase();
  const driver = await createPgDriver({ connectionString: db.url, max: 1 });
  const runtime = await createRuntime({ driver, schema, ensureStorage: { databaseUrl: db.url }, registry });
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  const servers: Server[] = [];
  const clients: KeepAliveClient[] = [];
  try {
    for (const sql of [...HANDWRITTEN_DDL, ...handwrittenSeedSql(10_000, 100, 100)]) await pool.query(sql);
    await seedMessages(pool, 10_000, 100);
    const statement = pgRun(pool);
    for (let i = 0; i < 100; i++) await runtime.run("mutation", "bench:addCounter", { name: `c${String(i)}` });
    const transaction = pgTransaction(pool);
    // both servers in this process, each called by a minimal keep-alive client (little CPU of its own)
    const rawServer = createNodeServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const args = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { author?: string; name?: string };
        const answer = req.url === "/byAuthor" ? byAuthor(statement, args.author!, 10) : increment(transaction, args.name!);
        answer.then(
          (value) => {
            const text = JSON.stringify(value);
            res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
          },
          (error: unknown) => res.writeHead(500, { "content-length": Buffer.byteLength(String(error)) }).end(String(error)),
        );
      });
    });
    const convoyServer = createServer({ runtime });
    servers.push(rawServer, convoyServer);
    const rawClient = new KeepAliveClient(await listen(rawServer));
    const convoyClient = new KeepAliveClient(await listen(convoyServer));
    clients.push(rawClient, convoyClient);
    const SQL = `SELECT "_id", "_creation_time", "data" FROM "public"."messages" WHERE "_key_author_6fa4dac9" = $1 ORDER BY "_creation_time" DESC, "_id" DESC LIMIT 10`;
    const layers: [string, (i: number) => Promise<unknown>][] = [
      ["hand-written function", (i) => byAuthor(statement, `author${i % 100}`, 10)],
      ["raw pg, Convoy's statement", (i) => pool.query({ name: "convoy_by_author", text: SQL, values: [Buffer.from(sortKey(`author${i % 100}`))] })],
      ["Convoy's driver.query", (i) => driver.query(SQL, [Buffer.from(sortKey(`author${i % 100}`))])],
      ["Convoy's runtime.run", (i) => runtime.run("query", "bench:byAuthor", { author: `author${i % 100}` })],
      ["HTTP: node:http + hand-written", (i) => ok(rawClient.post("/byAuthor", `{"author":"author${String(i % 100)}"}`))],
      ["HTTP: Convoy's server", (i) => ok(convoyClient.post("/api/query/bench:byAuthor", `{"args":{"author":"author${String(i % 100)}"}}`))],
      ["hand-written increment", (i) => increment(transaction, `c${String(i % 100)}`)],
      ["Convoy's increment", (i) => runtime.run("mutation", "bench:increment", { name: `c${String(i % 100)}` })],
      ["HTTP: hand-written increment", (i) => ok(rawClient.post("/increment", `{"name":"c${String(i % 100)}"}`))],
      ["HTTP: Convoy's increment", (i) => ok(convoyClient.post("/api/mutation/bench:increment", `{"args":{"name":"c${String(i % 100)}"}}`))],
    ];
    const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
    const calls = Number(process.env.BENCH_CALLS ?? 3000);
    console.log(`\nCPU per query call, by layer (one connection, sequential, ${String(calls)} calls, ${String(rounds)} interleaved rounds: median [min–max])`);
    const samples = layers.map(() => [] as number[]);
    for (let round = 0; round < rounds; round++) {
      for (const [index, [, op]] of layers.entries()) {
        for (let i = 0; i < 300; i++) await op(i);
        const before = process.cpuUsage();
        for (let i = 0; i < calls; i++) await op(i);
        const cpu = process.cpuUsage(before);
        samples[index]!.push((cpu.user + cpu.system) / calls);
      }
    }
    for (const [index, [name]] of layers.entries()) {
      const sorted = samples[index]!.sort((a, b) => a - b);
      console.log(`  ${name.padEnd(28)} ${percentile(sorted, 50).toFixed(1).padStart(6)} µs CPU/call [${sorted[0]!.toFixed(1)}–${sorted.at(-1)!.toFixed(1)}]`);
    }
  } finally {
    for (const client of clients) client.close();
    for (const server of servers) server.close();
    await pool.end();
    await driver.close();
    await db.drop();
  }
}

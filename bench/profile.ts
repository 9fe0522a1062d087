/**
 * Profiling harness (not part of `npm run bench`): `convoy start` on the bench data under 50
 * autocannon connections. `PROF=1 node --import tsx bench/profile.ts <path> <byAuthor|list|send|increment> [seconds]`
 * writes a `.cpuprofile` of the server to /tmp/prof. `CONVOY_MAIN=packages/core/dist/cli/main.js`
 * profiles the built CLI (what users run) instead of the source under tsx; `RAW=1` profiles the
 * hand-written server (bench/lib/raw-server.ts) on the same data instead.
 */
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { createPgDriver } from "../packages/core/src/driver/index.js";
import { ensureSchema } from "../packages/core/src/schema-sync/ensure-schema.js";
import { newCreationTime, newId } from "../packages/core/src/storage/ids.js";
import { startScript } from "../packages/core/test/cli/cli-process.js";
import { benchApp } from "./lib/bench-app.js";
import { HANDWRITTEN_DDL, handwrittenSeedSql } from "./lib/handwritten.js";
import { createBenchDatabase, seedMessages } from "./lib/bench-database.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const [path, kind, seconds = "8"] = process.argv.slice(2);
const db = await createBenchDatabase();
const app = benchApp();
const schema = (await import(join(app, "convoy/schema.ts"))) as { default: Parameters<typeof ensureSchema>[1] };
const driver = await createPgDriver({ connectionString: db.url, max: 2 });
await ensureSchema({ driver, databaseUrl: db.url }, schema.default);
await driver.close();
const seed = new pg.Client({ connectionString: db.url });
await seed.connect();
await seedMessages(seed, 100_000, 1000);
for (let i = 0; i < 100; i++) await seed.query(`INSERT INTO counters (_id, _creation_time, data) VALUES ($1, $2, $3::jsonb)`, [newId("counters"), newCreationTime(), JSON.stringify({ name: `c${i}`, value: 0 })]);
await seed.query("ANALYZE");
const profile = process.env.PROF === "1" ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] : [];
let convoy: ReturnType<typeof startScript>;
if (process.env.RAW === "1") {
  // the hand-written server instead (it exits on SIGTERM so that its profile is written)
  for (const sql of [...HANDWRITTEN_DDL, ...handwrittenSeedSql(100_000, 1000, 100)]) await seed.query(sql);
  const exitOnTerm = "data:text/javascript,process.on('SIGTERM',()=>process.exit(0))";
  convoy = startScript(join(root, "bench/lib/raw-server.ts"), [db.url, "3795"], root, {}, [...profile, "--import", exitOnTerm]);
  await convoy.waitFor(/ready/);
} else {
  const main = process.env.CONVOY_MAIN ?? join(root, "packages/core/src/cli/main.ts");
  convoy = startScript(main, ["start", "--port", "3795", "--db", db.url, "--skip-schema-check"], app, {}, profile);
  await convoy.waitFor(/listening on/);
}
const bodies: Record<string, (i: number) => string> = {
  byAuthor: (i) => JSON.stringify({ args: { author: `author${(i * 7919) % 1000}`, limit: 10 } }),
  list: () => JSON.stringify({ args: { paginationOpts: { numItems: 20, cursor: null } } }),
  send: (i) => JSON.stringify({ args: { author: `author${i % 1000}`, body: `hello ${i}` } }),
  increment: (i) => JSON.stringify({ args: { name: `c${(i * 31) % 100}` } }),
};
let i = 0;
const result = await autocannon({ url: `http://127.0.0.1:3795${path}`, connections: 50, duration: Number(seconds), method: "POST", headers: { "content-type": "application/json" }, requests: [{ setupRequest: (r) => ({ ...r, body: bodies[kind!]!(i++) }) }] });
console.log(kind, result.requests.average, "req/s p99", result.latency.p99, "non2xx", result.non2xx);
if (kind === "increment") {
  const { rows } = await seed.query(`SELECT n_tup_upd, n_tup_hot_upd, pg_relation_size('counters') AS rel, pg_total_relation_size('counters') AS total FROM pg_stat_user_tables WHERE relname='counters'`);
  console.log(rows);
}
await seed.end();
await convoy.stop();
await db.drop();

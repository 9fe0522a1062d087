/**
 * Issue 14 benchmark: table rules on the query path, in-process (no HTTP), real server.
 * The same indexed read (`withIndex("by_owner", eq) + take(20)`, the caller reading their own
 * notes) on three runtimes over one database: no rules, a filter-expression read rule (compiled
 * into the SQL; target ≥ 0.9× of no rules), and a predicate read rule (run in JavaScript on each
 * document); plus the no-rules runtime against raw `pg` running the same SQL. Then the case
 * the two forms differ on: reading another user's notes, of which 1 in 10 is public, so the
 * rule denies 9 rows in 10 (filter: skipped inside Postgres; predicate: fetched, then dropped).
 */
import { identityFromTestClaims } from "../packages/core/src/auth/user-identity.js";
import { createRegistrySync, queryGeneric } from "../packages/core/src/functions/index.js";
import { createRuntime, type Runtime } from "../packages/core/src/runtime/index.js";
import { defineSchema, defineTable } from "../packages/core/src/schema/index.js";
import { defineRulesGeneric } from "../packages/core/src/server/rules.js";
import { sortKey } from "../packages/core/src/storage/sort-key.js";
import { v } from "../packages/core/src/values/index.js";
import { openBenchPair } from "./lib/bench-database.js";
import { measure, report, type RunResult } from "./lib/stats.js";

const DOCS = Number(process.env.BENCH_DOCS ?? 100_000);
const OPS = Number(process.env.BENCH_OPS ?? 5_000);
const CONCURRENCY = 10;
const OWNERS = 1000;

const schema = defineSchema({
  notes: defineTable({ owner: v.string(), public: v.boolean(), body: v.string() }).index("by_owner", ["owner"]),
});
const byOwner = queryGeneric({
  args: { owner: v.string() },
  handler: (ctx, { owner }) => ctx.db.query("notes").withIndex("by_owner", (q) => q.eq("owner", owner)).take(20),
});
const registry = createRegistrySync({ bench: { byOwner } });

const filterRules = defineRulesGeneric({
  notes: { read: { filter: (q, identity) => q.or(q.eq(q.field("public"), true), q.eq(q.field("owner"), identity?.subject ?? null)) } },
});
const predicateRules = defineRulesGeneric({
  notes: { read: async ({ auth }, doc) => doc.public === true || doc.owner === (await auth.getUserIdentity())?.subject },
});

const SELECT_BY_OWNER = `SELECT "_id", "_creation_time", "data" FROM "public"."notes" WHERE "_key_owner_25693877" = $1 ORDER BY "_key_owner_25693877", "_creation_time", "_id" LIMIT 20`;

export async function run(): Promise<void> {
  const bench = await openBenchPair(CONCURRENCY);
  const { driver, raw } = bench;
  try {
    const plain = await createRuntime({ driver, schema, registry, ensureStorage: { databaseUrl: bench.url } });
    const withFilter = await createRuntime({ driver, schema, registry, rules: filterRules });
    const withPredicate = await createRuntime({ driver, schema, registry, rules: predicateRules });
    console.log(`seeding ${DOCS} notes…`);
    await raw.query(
      `INSERT INTO notes (_id, _creation_time, data)
       SELECT lpad(to_hex(i), 26, '0'), 1700000000000 + i, jsonb_build_object('owner', 'u' || (i % ${OWNERS}), 'public', i % 10 = 0, 'body', 'note ' || i)
       FROM generate_series(1, ${DOCS}) AS i`,
    );
    await raw.query("ANALYZE");
    const identities = Array.from({ length: OWNERS }, (_, i) => identityFromTestClaims({ subject: `u${i}` }));
    const read = (name: string, runtime: Runtime) => () =>
      measure(name, OPS, CONCURRENCY, (i) => runtime.run("query", "bench:byOwner", { owner: `u${i % OWNERS}` }, { identity: identities[i % OWNERS]! }));
    const readOthers = (name: string, runtime: Runtime) => () =>
      measure(name, OPS / 5, CONCURRENCY, (i) => runtime.run("query", "bench:byOwner", { owner: `u${(i + 1) % OWNERS}` }, { identity: identities[i % OWNERS]! }));
    const none = read("no rules", plain);
    const filter = read("filter-expression rule", withFilter);
    const predicate = read("predicate rule", withPredicate);
    const rawRead = () => measure("raw pg (same SQL, no rule)", OPS, CONCURRENCY, (i) => raw.query(SELECT_BY_OWNER, [Buffer.from(sortKey(`u${i % OWNERS}`))]));

    // warm-up, then interleaved rounds; the best of two of each
    for (const fn of [rawRead, none, filter, predicate]) await fn();
    const results: Record<string, RunResult[]> = { raw: [], none: [], filter: [], predicate: [] };
    for (let round = 0; round < 2; round++) {
      results.raw!.push(await rawRead());
      results.none!.push(await none());
      results.filter!.push(await filter());
      results.predicate!.push(await predicate());
    }
    const best = (list: RunResult[]) => list.reduce((a, b) => (a.opsPerSecond >= b.opsPerSecond ? a : b));
    const title = `indexed read (withIndex eq + take 20, own notes), ${CONCURRENCY} concurrent`;
    report(`${title}: no rules vs raw pg`, best(results.none!), best(results.raw!));
    report(`${title}: filter-expression rule vs no rules (target ≥ 0.9x)`, best(results.filter!), best(results.none!), "rule/no rules");
    report(`${title}: predicate rule vs no rules`, best(results.predicate!), best(results.none!), "rule/no rules");

    const othersFilter = readOthers("filter-expression rule", withFilter);
    const othersPredicate = readOthers("predicate rule", withPredicate);
    await othersFilter();
    await othersPredicate();
    const f = [await othersFilter(), await othersFilter()];
    const p = [await othersPredicate(), await othersPredicate()];
    report(`another user's notes, 9 in 10 denied (take 20 → 5 public), ${CONCURRENCY} concurrent: predicate vs filter rule`, best(p), best(f), "predicate/filter");
  } finally {
    await bench.close();
  }
}

import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { useDbHarness } from "../../test/db/harness.js";
import type { DatabaseImpl } from "../db/index.js";
import { defineSchema, defineTable } from "../schema/index.js";
import type { AccessLog } from "../storage/access-log.js";
import { v } from "../values/index.js";
import type { Value } from "../values/value.js";
import { overlapsAny } from "./overlap.js";
import type { ReadRecord } from "./records.js";
import { SubscriptionIndex } from "./subscription-index.js";
import { decodeWriteSet, encodeWriteSet } from "./write-set-codec.js";
import { writeSetOf } from "./write-set.js";

/**
 * Soundness of invalidation, on the real engine: random documents, live queries (index ranges,
 * orders, limits, unique, filters, pages, async iteration, gets) whose read sets are the ones ctx.db records, random
 * writes. Whenever a write changes a live query's result, its write set must overlap the
 * query's read set: by the predicate, through the subscription index, and through the NOTIFY
 * payload coarsened to a tight budget.
 */
const schema = defineSchema({
  m: defineTable({ a: v.optional(v.any()), b: v.optional(v.any()), n: v.number() }).index("by_a", ["a"]).index("by_a_b", ["a", "b"]),
});
const h = useDbHarness(schema);

const INDEXES: Record<string, string[]> = { by_creation_time: [], by_a: ["a"], by_a_b: ["a", "b"] };
const pool = fc.constantFrom<Value | undefined>(undefined, null, 1n, 0, 1, 2.5, false, "", "a", "b", [1]);

type Op = "eq" | "gt" | "gte" | "lt" | "lte";
interface QuerySpec {
  kind: "query";
  index: string;
  eqCount: number;
  eqValues: (Value | undefined)[];
  lower: { op: "gt" | "gte"; value: Value | undefined } | null;
  upper: { op: "lt" | "lte"; value: Value | undefined } | null;
  order: "asc" | "desc";
  filter: { op: Op | "neq"; field: "a" | "b" | "n"; value: Value | undefined } | null;
  terminal:
    | { kind: "collect" }
    | { kind: "take"; n: number }
    | { kind: "first" }
    | { kind: "unique" }
    | { kind: "count" }
    | { kind: "page"; numItems: number; second: boolean }
    | { kind: "iterate"; n: number };
}
type LiveSpec = QuerySpec | { kind: "get"; target: number };

const querySpec: fc.Arbitrary<QuerySpec> = fc.record({
  kind: fc.constant("query" as const),
  index: fc.constantFrom("by_creation_time", "by_a", "by_a_b"),
  eqCount: fc.nat({ max: 2 }),
  eqValues: fc.array(pool, { minLength: 2, maxLength: 2 }),
  lower: fc.option(fc.record({ op: fc.constantFrom("gt" as const, "gte" as const), value: pool })),
  upper: fc.option(fc.record({ op: fc.constantFrom("lt" as const, "lte" as const), value: pool })),
  order: fc.constantFrom("asc" as const, "desc" as const),
  filter: fc.option(fc.record({ op: fc.constantFrom<Op | "neq">("eq", "neq", "gt", "gte", "lt", "lte"), field: fc.constantFrom("a" as const, "b" as const, "n" as const), value: pool }), { freq: 3 }),
  terminal: fc.oneof(
    fc.constant({ kind: "collect" as const }),
    fc.record({ kind: fc.constant("take" as const), n: fc.integer({ min: 1, max: 3 }) }),
    fc.constant({ kind: "first" as const }),
    fc.constant({ kind: "unique" as const }),
    fc.constant({ kind: "count" as const }),
    fc.record({ kind: fc.constant("iterate" as const), n: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ kind: fc.constant("page" as const), numItems: fc.integer({ min: 1, max: 3 }), second: fc.boolean() }),
  ),
});
const liveSpec: fc.Arbitrary<LiveSpec> = fc.oneof({ arbitrary: querySpec, weight: 4 }, { arbitrary: fc.record({ kind: fc.constant("get" as const), target: fc.nat() }), weight: 1 });

type Write =
  | { kind: "insert"; a: Value | undefined; b: Value | undefined }
  | { kind: "patch"; target: number; field: "a" | "b" | "n"; value: Value | undefined }
  | { kind: "replace"; target: number; a: Value | undefined }
  | { kind: "delete"; target: number };
const insert = fc.record({ kind: fc.constant("insert" as const), a: pool, b: pool });
const write: fc.Arbitrary<Write> = fc.oneof(
  insert,
  fc.record({ kind: fc.constant("patch" as const), target: fc.nat(), field: fc.constantFrom("a" as const, "b" as const, "n" as const), value: pool }),
  fc.record({ kind: fc.constant("replace" as const), target: fc.nat(), a: pool }),
  fc.record({ kind: fc.constant("delete" as const), target: fc.nat() }),
);

/** A live query: its spec, the page-1 cursor a second page continues from, its last result and reads. */
interface Live {
  spec: LiveSpec;
  cursor: string | null;
  getId: string | null;
  result: unknown;
  reads: ReadRecord[];
}

function query(db: DatabaseImpl, spec: QuerySpec) {
  const fields = INDEXES[spec.index]!;
  const eqCount = Math.min(spec.eqCount, fields.length);
  const boundField = fields[eqCount];
  let q = db.query("m").withIndex(spec.index, (r) => {
    let range: any = r;
    for (let i = 0; i < eqCount; i++) range = range.eq(fields[i]!, spec.eqValues[i]);
    if (boundField !== undefined && spec.lower !== null) range = range[spec.lower.op](boundField, spec.lower.value);
    if (boundField !== undefined && spec.upper !== null) range = range[spec.upper.op](boundField, spec.upper.value);
    return range;
  });
  q = q.order(spec.order);
  const filter = spec.filter;
  if (filter !== null) q = q.filter((f: any) => f[filter.op](f.field(filter.field), filter.value));
  return q;
}

/** Runs a live query, returning its result and the reads ctx.db recorded for it. */
async function execute(db: DatabaseImpl, log: AccessLog, live: Live): Promise<void> {
  const mark = log.mark();
  const spec = live.spec;
  let result: unknown;
  if (spec.kind === "get") {
    result = live.getId === null ? null : await db.get(live.getId);
  } else {
    const q = query(db, spec);
    const t = spec.terminal;
    if (t.kind === "collect") result = await q.collect();
    else if (t.kind === "take") result = await q.take(t.n);
    else if (t.kind === "first") result = await q.first();
    else if (t.kind === "unique") result = await q.unique().catch(() => "more than one");
    else if (t.kind === "count") result = await q.count();
    else if (t.kind === "page") result = await q.paginate({ numItems: t.numItems, cursor: live.cursor });
    else {
      // async iteration, stopped after n documents
      const documents: unknown[] = [];
      for await (const document of q) if (documents.push(document) === t.n) break;
      result = documents;
    }
  }
  live.result = result;
  live.reads = log.reads.slice(mark.reads);
  log.truncate(mark);
}

const stats = { pairs: 0, changed: 0, unchangedNoOverlap: 0 };

describe("soundness: a write that changes a live query's result overlaps its read set", () => {
  it("holds on random documents, queries and writes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(insert, { minLength: 3, maxLength: 8 }),
        fc.array(liveSpec, { minLength: 3, maxLength: 5 }),
        fc.array(write, { minLength: 3, maxLength: 6 }),
        fc.integer({ min: 20, max: 400 }),
        async (seed, specs, writes, budget) => {
          await h.database().driver.query(`TRUNCATE "m"`);
          await h.run(async (db, log) => {
            const ids: string[] = [];
            let counter = 0;
            const fields = (a: Value | undefined, b: Value | undefined) => {
              const doc: Record<string, Value> = { n: counter++ };
              if (a !== undefined) doc.a = a;
              if (b !== undefined) doc.b = b;
              return doc;
            };
            for (const doc of seed) ids.push(await db.insert("m", fields(doc.a, doc.b)));
            const lives: Live[] = [];
            const subscriptions = new SubscriptionIndex<number>();
            for (const spec of specs) {
              const live: Live = { spec, cursor: null, getId: spec.kind === "get" ? ids[spec.target % ids.length]! : null, result: undefined, reads: [] };
              if (spec.kind === "query" && spec.terminal.kind === "page" && spec.terminal.second) {
                live.cursor = (await query(db, spec).paginate({ numItems: spec.terminal.numItems, cursor: null })).continueCursor;
              }
              await execute(db, log, live);
              subscriptions.add(lives.length, live.reads);
              lives.push(live);
            }
            log.truncate({ reads: 0, writes: 0 });

            for (const w of writes) {
              const mark = log.mark();
              const target = (n: number) => ids[n % ids.length]!;
              if (w.kind === "insert") ids.push(await db.insert("m", fields(w.a, w.b)));
              else if (w.kind === "patch") await db.patch(target(w.target), { [w.field]: w.field === "n" ? counter++ : w.value }).catch(() => undefined);
              else if (w.kind === "replace") await db.replace(target(w.target), fields(w.a, undefined)).catch(() => undefined);
              else await db.delete(target(w.target)).catch(() => undefined);
              const records = log.writes.slice(mark.writes);
              log.truncate(mark);
              const exact = writeSetOf(records);
              const coarse = decodeWriteSet(encodeWriteSet(exact, budget));
              const matched = subscriptions.match(exact);
              const matchedCoarse = subscriptions.match(coarse);

              for (const [i, live] of lives.entries()) {
                const before = live.result;
                const reads = live.reads;
                await execute(db, log, live);
                subscriptions.add(i, live.reads);
                const changed = !isDeepStrictEqual(before, live.result);
                const overlap = overlapsAny(exact, reads);
                stats.pairs++;
                if (changed) {
                  stats.changed++;
                  const context = { spec: live.spec, reads, records, before, after: live.result };
                  expect(overlap, JSON.stringify(context, (_, value: unknown) => (typeof value === "bigint" ? `${value}n` : value))).toBe(true);
                  expect(matched.has(i)).toBe(true);
                  expect(matchedCoarse.has(i)).toBe(true);
                } else if (!overlap) {
                  stats.unchangedNoOverlap++;
                }
                expect(matched.has(i)).toBe(overlap);
                if (overlap) expect(overlapsAny(coarse, reads)).toBe(true);
              }
            }
          });
        },
      ),
      { numRuns: 25 },
    );
    // the property was exercised both ways: writes that changed results, and writes that were told apart
    expect(stats.changed).toBeGreaterThan(0);
    expect(stats.unchangedNoOverlap).toBeGreaterThan(0);
    console.log(`soundness: ${stats.pairs} (write, live query) pairs, ${stats.changed} changed the result, ${stats.unchangedNoOverlap} did not and did not overlap`);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { useDbHarness } from "../../test/db/harness.js";
import { holds } from "../../test/db/values.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { fieldValue } from "../storage/index-key.js";
import { compareValues } from "../values/compare.js";
import { v } from "../values/index.js";
import type { Value } from "../values/value.js";
import type { DatabaseImpl, Document } from "./index.js";

/**
 * Model-based property test: random sequences of inserts, patches, deletes and queries (random
 * index ranges, orders, filters, limits) against Convoy and a plain in-memory model using
 * `compareValues`; results must match exactly.
 */
const schema = defineSchema({
  m: defineTable({ a: v.optional(v.any()), b: v.optional(v.any()), n: v.number() }).index("by_a", ["a"]).index("by_a_b", ["a", "b"]).index("by_b_n", ["b", "n"]),
});
const h = useDbHarness(schema);

const INDEXES: Record<string, string[]> = { by_creation_time: [], by_a: ["a"], by_a_b: ["a", "b"], by_b_n: ["b", "n"] };

const pool: fc.Arbitrary<Value | undefined> = fc.constantFrom<Value | undefined>(
  undefined,
  null,
  -1n,
  2n,
  -0,
  0,
  1,
  2.5,
  NaN,
  Infinity,
  false,
  true,
  "",
  "a",
  "B",
  "é",
  new Uint8Array([1]).buffer,
  [1],
  [1, "x"],
  { x: 1 },
);

type Op = "eq" | "gt" | "gte" | "lt" | "lte";
type FilterSpec =
  | { kind: "cmp"; op: Op | "neq"; field: string; value: Value | undefined }
  | { kind: "and" | "or"; args: FilterSpec[] }
  | { kind: "not"; arg: FilterSpec };

const filterSpec: fc.Arbitrary<FilterSpec> = fc.letrec<{ f: FilterSpec }>((tie) => ({
  f: fc.oneof(
    { depthSize: "small" },
    fc.record({ kind: fc.constant("cmp" as const), op: fc.constantFrom<Op | "neq">("eq", "neq", "gt", "gte", "lt", "lte"), field: fc.constantFrom("a", "b", "n"), value: pool }),
    fc.record({ kind: fc.constantFrom("and" as const, "or" as const), args: fc.array(tie("f"), { maxLength: 3 }) }),
    fc.record({ kind: fc.constant("not" as const), arg: tie("f") }),
  ),
})).f;

interface QuerySpec {
  index: string;
  eqCount: number;
  eqValues: (Value | undefined)[];
  lower: { op: "gt" | "gte"; value: Value | undefined } | null;
  upper: { op: "lt" | "lte"; value: Value | undefined } | null;
  order: "asc" | "desc";
  filter: FilterSpec | null;
  terminal: { kind: "collect" } | { kind: "take"; n: number } | { kind: "first" } | { kind: "count" } | { kind: "paginate"; numItems: number };
}

const querySpec: fc.Arbitrary<QuerySpec> = fc.record({
  index: fc.constantFrom("by_creation_time", "by_a", "by_a_b", "by_b_n"),
  eqCount: fc.nat({ max: 2 }),
  eqValues: fc.array(pool, { minLength: 2, maxLength: 2 }),
  lower: fc.option(fc.record({ op: fc.constantFrom("gt" as const, "gte" as const), value: pool })),
  upper: fc.option(fc.record({ op: fc.constantFrom("lt" as const, "lte" as const), value: pool })),
  order: fc.constantFrom("asc" as const, "desc" as const),
  filter: fc.option(filterSpec, { freq: 2 }),
  terminal: fc.oneof(
    fc.constant({ kind: "collect" as const }),
    fc.record({ kind: fc.constant("take" as const), n: fc.nat({ max: 5 }) }),
    fc.constant({ kind: "first" as const }),
    fc.constant({ kind: "count" as const }),
    fc.record({ kind: fc.constant("paginate" as const), numItems: fc.integer({ min: 1, max: 4 }) }),
  ),
});

type Command =
  | { kind: "insert"; a: Value | undefined; b: Value | undefined }
  | { kind: "patch"; target: number; field: "a" | "b"; value: Value | undefined }
  | { kind: "replace"; target: number; a: Value | undefined }
  | { kind: "delete"; target: number }
  | { kind: "query"; spec: QuerySpec };

const insertCommand = fc.record({ kind: fc.constant("insert" as const), a: pool, b: pool });
const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: insertCommand, weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant("patch" as const), target: fc.nat(), field: fc.constantFrom("a" as const, "b" as const), value: pool }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("replace" as const), target: fc.nat(), a: pool }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("delete" as const), target: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("query" as const), spec: querySpec }), weight: 4 },
);

function evalFilter(spec: FilterSpec, doc: Document): boolean {
  switch (spec.kind) {
    case "cmp":
      return holds(spec.op, fieldValue(doc, spec.field), spec.value);
    case "and":
      return spec.args.every((arg) => evalFilter(arg, doc));
    case "or":
      return spec.args.some((arg) => evalFilter(arg, doc));
    case "not":
      return !evalFilter(spec.arg, doc);
  }
}

function buildFilter(q: any, spec: FilterSpec): unknown {
  switch (spec.kind) {
    case "cmp":
      return q[spec.op](q.field(spec.field), spec.value);
    case "and":
    case "or":
      return q[spec.kind](...spec.args.map((arg) => buildFilter(q, arg)));
    case "not":
      return q.not(buildFilter(q, spec.arg));
  }
}

/** The range fields a spec uses on its index: eq prefix (clamped to the index), bounds on the next user field. */
function normalized(spec: QuerySpec): { fields: string[]; eqCount: number; boundField: string | undefined } {
  const fields = INDEXES[spec.index]!;
  const eqCount = Math.min(spec.eqCount, fields.length);
  return { fields, eqCount, boundField: fields[eqCount] };
}

function modelQuery(docs: Document[], spec: QuerySpec): Document[] {
  const { fields, eqCount, boundField } = normalized(spec);
  const matching = docs.filter((doc) => {
    for (let i = 0; i < eqCount; i++) if (compareValues(fieldValue(doc, fields[i]!), spec.eqValues[i]) !== 0) return false;
    if (boundField !== undefined) {
      const value = fieldValue(doc, boundField);
      if (spec.lower !== null && !holds(spec.lower.op, value, spec.lower.value)) return false;
      if (spec.upper !== null && !holds(spec.upper.op, value, spec.upper.value)) return false;
    }
    return spec.filter === null || evalFilter(spec.filter, doc);
  });
  matching.sort((x, y) => {
    for (const field of fields) {
      const c = compareValues(fieldValue(x, field), fieldValue(y, field));
      if (c !== 0) return c;
    }
    return x._creationTime - y._creationTime || (x._id < y._id ? -1 : x._id > y._id ? 1 : 0);
  });
  return spec.order === "asc" ? matching : matching.reverse();
}

async function runQuery(db: DatabaseImpl, spec: QuerySpec): Promise<unknown> {
  const { fields, eqCount, boundField } = normalized(spec);
  let query = db.query("m").withIndex(spec.index, (q) => {
    let range: any = q;
    for (let i = 0; i < eqCount; i++) range = range.eq(fields[i]!, spec.eqValues[i]);
    if (boundField !== undefined && spec.lower !== null) range = range[spec.lower.op](boundField, spec.lower.value);
    if (boundField !== undefined && spec.upper !== null) range = range[spec.upper.op](boundField, spec.upper.value);
    return range;
  });
  query = query.order(spec.order);
  if (spec.filter !== null) {
    const filter = spec.filter;
    query = query.filter((q) => buildFilter(q, filter));
  }
  switch (spec.terminal.kind) {
    case "collect":
      return query.collect();
    case "take":
      return query.take(spec.terminal.n);
    case "first":
      return query.first();
    case "count":
      return query.count();
    case "paginate": {
      const pages: Document[][] = [];
      let cursor: string | null = null;
      for (;;) {
        const result = await query.paginate({ numItems: spec.terminal.numItems, cursor });
        pages.push(result.page);
        if (result.isDone) return pages;
        cursor = result.continueCursor;
      }
    }
  }
}

function expectedResult(docs: Document[], spec: QuerySpec): unknown {
  const all = modelQuery(docs, spec);
  switch (spec.terminal.kind) {
    case "collect":
      return all;
    case "take":
      return all.slice(0, spec.terminal.n);
    case "first":
      return all[0] ?? null;
    case "count":
      return all.length;
    case "paginate": {
      const size = spec.terminal.numItems;
      const pages: Document[][] = [];
      for (let i = 0; i < all.length; i += size) pages.push(all.slice(i, i + size));
      // the page holding the last rows is done when nothing follows it; a final full page is done at once
      if (pages.length === 0) pages.push([]);
      return pages;
    }
  }
}

describe("model-based: random writes and queries match an in-memory model", () => {
  it("matches exactly", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(insertCommand, { minLength: 4, maxLength: 15 }), fc.array(command, { minLength: 10, maxLength: 40, size: "medium" }), async (inserts, rest) => {
        const commands: Command[] = [...inserts, ...rest];
        await h.database().driver.query(`TRUNCATE "m"`);
        const model = new Map<string, Document>();
        let counter = 0;
        await h.run(async (db) => {
          for (const cmd of commands) {
            const ids = [...model.keys()];
            const pick = (target: number) => (ids.length === 0 ? undefined : ids[target % ids.length]!);
            switch (cmd.kind) {
              case "insert": {
                const doc: Record<string, Value> = { n: counter++ };
                if (cmd.a !== undefined) doc.a = cmd.a;
                if (cmd.b !== undefined) doc.b = cmd.b;
                const id = await db.insert("m", doc);
                const stored = (await db.get(id))!;
                expect(stored).toEqual({ _id: id, _creationTime: stored._creationTime, ...doc });
                model.set(id, stored);
                break;
              }
              case "patch": {
                const id = pick(cmd.target);
                if (id === undefined) break;
                await db.patch(id, { [cmd.field]: cmd.value });
                const next: Document = { ...model.get(id)! };
                if (cmd.value === undefined) Reflect.deleteProperty(next, cmd.field);
                else next[cmd.field] = cmd.value;
                model.set(id, next);
                break;
              }
              case "replace": {
                const id = pick(cmd.target);
                if (id === undefined) break;
                const old = model.get(id)!;
                const doc: Record<string, Value> = { n: old.n as number };
                if (cmd.a !== undefined) doc.a = cmd.a;
                await db.replace(id, doc);
                model.set(id, { _id: id, _creationTime: old._creationTime, ...doc });
                break;
              }
              case "delete": {
                const id = pick(cmd.target);
                if (id === undefined) break;
                await db.delete(id);
                model.delete(id);
                break;
              }
              case "query": {
                const got = await runQuery(db, cmd.spec);
                expect(got).toEqual(expectedResult([...model.values()], cmd.spec));
                break;
              }
            }
          }
          // finally, the whole table in every index, both orders
          for (const index of Object.keys(INDEXES)) {
            for (const order of ["asc", "desc"] as const) {
              const spec: QuerySpec = { index, eqCount: 0, eqValues: [], lower: null, upper: null, order, filter: null, terminal: { kind: "collect" } };
              expect(await runQuery(db, spec)).toEqual(expectedResult([...model.values()], spec));
            }
          }
        });
      }),
      { numRuns: 40 },
    );
  });
});

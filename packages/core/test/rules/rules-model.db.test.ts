import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { identityFromTestClaims } from "../../src/auth/user-identity.js";
import type { Document } from "../../src/db/index.js";
import { anyApi } from "../../src/functions/any-api.js";
import { mutationGeneric, queryGeneric, internalQueryGeneric } from "../../src/functions/function-builders.js";
import { createRegistrySync } from "../../src/functions/registry.js";
import type { UserIdentity } from "../../src/functions/context.js";
import { createRuntime, type Runtime } from "../../src/runtime/runtime.js";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import { defineRulesGeneric } from "../../src/server/rules.js";
import { v } from "../../src/values/index.js";
import type { Value } from "../../src/values/value.js";
import { useTestDatabase } from "../helpers/test-database.js";

/**
 * Model-based property test of table rules: several users (and anonymous callers) doing random
 * reads and writes through every `ctx.db` method, nested calls, `take(n)`, `paginate` and
 * `count`, against a model of who may see and change what. Reads must return exactly the
 * documents the model says the caller may see (no leak, none missing), in index order; writes
 * must succeed exactly when the model allows them; after every command an administrative read
 * must equal the model (no unauthorized change, no authorized change lost). Both read-rule forms.
 */
const schema = defineSchema({
  items: defineTable({ owner: v.string(), public: v.boolean(), rank: v.number() }).index("by_rank", ["rank"]),
});

const me = async (ctx: { auth: { getUserIdentity(): Promise<UserIdentity | null> } }) => (await ctx.auth.getUserIdentity())?.subject ?? null;
const writeRules = {
  insert: async (ctx: Parameters<typeof me>[0], doc: Record<string, unknown>) => doc.owner === (await me(ctx)),
  update: async (ctx: Parameters<typeof me>[0], oldDoc: Record<string, unknown>, newDoc: Record<string, unknown>) => oldDoc.owner === (await me(ctx)) && newDoc.owner === oldDoc.owner,
  delete: async (ctx: Parameters<typeof me>[0], doc: Record<string, unknown>) => doc.owner === (await me(ctx)),
};
const RULES = {
  filter: defineRulesGeneric({ items: { read: { filter: (q, identity) => q.or(q.eq(q.field("public"), true), q.eq(q.field("owner"), identity?.subject ?? null)) }, ...writeRules } }),
  predicate: defineRulesGeneric({ items: { read: async (ctx, doc) => doc.public === true || doc.owner === (await me(ctx)), ...writeRules } }),
};

const fields = { owner: v.string(), public: v.boolean(), rank: v.number() };
const byRank = (ctx: { db: { query(table: "items"): { withIndex(index: "by_rank"): unknown } } }) => ctx.db.query("items").withIndex("by_rank") as { take(n: number): Promise<Value>; collect(): Promise<Value> };
const items = {
  insert: mutationGeneric({ args: fields, handler: async (ctx, doc) => ctx.db.get(await ctx.db.insert("items", doc)) }),
  insertPair: mutationGeneric({ args: { a: v.object(fields), b: v.object(fields) }, handler: async (ctx, { a, b }) => [await ctx.db.insert("items", a), await ctx.db.insert("items", b)] }),
  /** Each insert in a nested mutation; denied ones are caught (and rolled back alone). */
  insertNested: mutationGeneric({
    args: { docs: v.array(v.object(fields)) },
    handler: async (ctx, { docs }) => {
      const out: (Value | null)[] = [];
      for (const doc of docs) out.push(await ctx.runMutation(anyApi.items!.insert!, doc).catch(() => null));
      return out;
    },
  }),
  patch: mutationGeneric({ args: { id: v.string(), value: v.any(), inTable: v.boolean() }, handler: async (ctx, { id, value, inTable }) => (inTable ? ctx.db.patch("items", id as never, value as never) : ctx.db.patch(id as never, value as never)) }),
  replace: mutationGeneric({ args: { id: v.string(), value: v.any() }, handler: async (ctx, { id, value }) => ctx.db.replace(id as never, value as never) }),
  remove: mutationGeneric({ args: { id: v.string(), inTable: v.boolean() }, handler: async (ctx, { id, inTable }) => (inTable ? ctx.db.delete("items", id as never) : ctx.db.delete(id as never)) }),
  get: queryGeneric({ args: { id: v.string() }, handler: (ctx, { id }) => ctx.db.get(id as never) }),
  collect: queryGeneric({ args: {}, handler: (ctx) => byRank(ctx).collect() }),
  take: queryGeneric({ args: { n: v.number() }, handler: (ctx, { n }) => byRank(ctx).take(n) }),
  takeDesc: queryGeneric({ args: { n: v.number() }, handler: (ctx, { n }) => ctx.db.query("items").withIndex("by_rank").order("desc").take(n) }),
  first: queryGeneric({ args: {}, handler: (ctx) => ctx.db.query("items").withIndex("by_rank").first() }),
  count: queryGeneric({ args: {}, handler: (ctx) => ctx.db.query("items").count() }),
  iterate: queryGeneric({
    args: {},
    handler: async (ctx) => {
      const out: Value[] = [];
      for await (const doc of ctx.db.query("items").withIndex("by_rank")) out.push(doc);
      return out;
    },
  }),
  page: queryGeneric({ args: { numItems: v.number(), cursor: v.union(v.string(), v.null()) }, handler: (ctx, args) => ctx.db.query("items").withIndex("by_rank").paginate(args) as never }),
  internalTake: internalQueryGeneric({ args: { n: v.number() }, handler: (ctx, { n }) => byRank(ctx).take(n) }),
  nestedTake: queryGeneric({ args: { n: v.number() }, handler: (ctx, { n }) => ctx.runQuery(anyApi.items!.internalTake!, { n }) as Promise<Value> }),
};
const registry = createRegistrySync({ items });

interface Item {
  _id: string;
  _creationTime: number;
  owner: string;
  public: boolean;
  rank: number;
}
type Model = Map<string, Item>;
interface Real {
  runtime: Runtime;
  /** Ids that existed once and were deleted (writes to them must fail as to a hidden document). */
  gone: string[];
}

const USERS = ["u0", "u1", "u2", null] as const;
type User = (typeof USERS)[number];
const identities = new Map(USERS.map((user) => [user, user === null ? null : identityFromTestClaims({ subject: user })]));

/** The documents `user` may read (`"admin"`: all), in index order. */
function visible(model: Model, user: User | "admin"): Item[] {
  return [...model.values()]
    .filter((item) => user === "admin" || item.public || item.owner === user)
    .sort((a, b) => a.rank - b.rank || a._creationTime - b._creationTime || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
}
const plain = (doc: unknown): Item => {
  const { _id, _creationTime, owner, public: isPublic, rank } = doc as Item;
  return { _id, _creationTime, owner, public: isPublic, rank };
};
const plainAll = (docs: unknown): Item[] => (docs as Document[]).map(plain);

async function call(real: Real, kind: "query" | "mutation", name: string, args: Record<string, unknown>, user: User): Promise<{ ok: true; value: unknown } | { ok: false; code: string; message: string }> {
  try {
    return { ok: true, value: (await real.runtime.run(kind, `items:${name}`, args, { identity: identities.get(user) ?? null })).value };
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return { ok: false, code: code ?? "?", message };
  }
}

/** The id of the `pick`-th document of the model (or of a deleted one). */
function target(model: Model, real: Real, pick: number): string | undefined {
  const ids = [...[...model.keys()].sort(), ...real.gone];
  return ids.length === 0 ? undefined : ids[pick % ids.length];
}

const user = fc.constantFrom<User>(...USERS);
const owner = fc.constantFrom("u0", "u1", "u2");
const itemFields = fc.record({ owner, public: fc.boolean(), rank: fc.integer({ min: 0, max: 4 }) });

/** An administrative read (no rules) sees exactly the model: nothing unauthorized written, nothing authorized lost. */
async function expectStored(model: Model, real: Real): Promise<void> {
  const { value } = await real.runtime.runHandler("query", (ctx) => ctx.db.query("items").withIndex("by_rank").collect());
  expect(plainAll(value)).toEqual(visible(model, "admin"));
}

/** A write the model decides: does the user see the target, and do the rules let the write through? */
function expectWrite(result: Awaited<ReturnType<typeof call>>, seen: boolean, allowed: boolean): void {
  if (!seen) expect(result).toMatchObject({ ok: false, code: "INTERNAL", message: expect.stringMatching(/does not exist/) });
  else if (!allowed) expect(result).toMatchObject({ ok: false, code: "FORBIDDEN" });
  else expect(result).toMatchObject({ ok: true });
}

class Insert implements fc.AsyncCommand<Model, Real> {
  async run(model: Model, real: Real): Promise<void> {
    await this.write(model, real);
    await expectStored(model, real);
  }
  constructor(readonly user: User, readonly doc: { owner: string; public: boolean; rank: number }) {}
  check = () => true;
  async write(model: Model, real: Real) {
    const result = await call(real, "mutation", "insert", this.doc, this.user);
    if (this.doc.owner !== this.user) { expect(result).toMatchObject({ ok: false, code: "FORBIDDEN" }); return; }
    expect(result.ok).toBe(true);
    const item = plain((result as { value: unknown }).value);
    expect(item).toMatchObject(this.doc);
    model.set(item._id, item);
  }
  toString = () => `Insert(${this.user}, ${JSON.stringify(this.doc)})`;
}

class InsertPair implements fc.AsyncCommand<Model, Real> {
  async run(model: Model, real: Real): Promise<void> {
    await this.write(model, real);
    await expectStored(model, real);
  }
  constructor(readonly user: User, readonly a: Item | Omit<Item, "_id" | "_creationTime">, readonly b: Omit<Item, "_id" | "_creationTime">, readonly nested: boolean) {}
  check = () => true;
  async write(model: Model, real: Real) {
    const docs = [this.a, this.b];
    if (this.nested) {
      // each nested insert stands alone: allowed ones are kept, denied ones rolled back
      const result = await call(real, "mutation", "insertNested", { docs }, this.user);
      expect(result.ok).toBe(true);
      const out = (result as { value: unknown[] }).value;
      docs.forEach((doc, i) => {
        if (doc.owner === this.user) {
          const item = plain(out[i]);
          model.set(item._id, item);
        } else expect(out[i]).toBeNull();
      });
      return;
    }
    // one mutation: a denied write rolls the other back too
    const result = await call(real, "mutation", "insertPair", { a: this.a, b: this.b }, this.user);
    if (docs.some((doc) => doc.owner !== this.user)) { expect(result).toMatchObject({ ok: false, code: "FORBIDDEN" }); return; }
    expect(result.ok).toBe(true);
    const ids = (result as { value: string[] }).value;
    const { value } = await real.runtime.runHandler("query", (ctx) => Promise.all(ids.map((id) => ctx.db.get(id as never))));
    for (const item of plainAll(value)) model.set(item._id, item);
  }
  toString = () => `InsertPair(${this.user}, ${JSON.stringify([this.a, this.b])}, nested=${this.nested})`;
}

class Patch implements fc.AsyncCommand<Model, Real> {
  async run(model: Model, real: Real): Promise<void> {
    await this.write(model, real);
    await expectStored(model, real);
  }
  constructor(readonly user: User, readonly pick: number, readonly value: Partial<Item>, readonly mode: "patch" | "patchInTable" | "replace") {}
  check = () => true;
  async write(model: Model, real: Real) {
    const id = target(model, real, this.pick);
    if (id === undefined) return;
    const old = model.get(id);
    const next = old === undefined ? undefined : this.mode === "replace" ? { ...old, owner: old.owner, public: false, rank: 0, ...this.value } : { ...old, ...this.value };
    const args = this.mode === "replace" ? { id, value: { owner: next?.owner ?? "u0", public: next?.public ?? false, rank: next?.rank ?? 0 } } : { id, value: this.value, inTable: this.mode === "patchInTable" };
    const result = await call(real, "mutation", this.mode === "replace" ? "replace" : "patch", args, this.user);
    const seen = old !== undefined && (old.public || old.owner === this.user);
    const allowed = old !== undefined && old.owner === this.user && next!.owner === old.owner;
    expectWrite(result, seen, allowed);
    if (seen && allowed) model.set(id, next!);
  }
  toString = () => `Patch(${this.user}, #${this.pick}, ${JSON.stringify(this.value)}, ${this.mode})`;
}

class Delete implements fc.AsyncCommand<Model, Real> {
  async run(model: Model, real: Real): Promise<void> {
    await this.write(model, real);
    await expectStored(model, real);
  }
  constructor(readonly user: User, readonly pick: number, readonly inTable: boolean) {}
  check = () => true;
  async write(model: Model, real: Real) {
    const id = target(model, real, this.pick);
    if (id === undefined) return;
    const old = model.get(id);
    const result = await call(real, "mutation", "remove", { id, inTable: this.inTable }, this.user);
    const seen = old !== undefined && (old.public || old.owner === this.user);
    expectWrite(result, seen, old?.owner === this.user);
    if (seen && old.owner === this.user) {
      model.delete(id);
      real.gone.push(id);
    }
  }
  toString = () => `Delete(${this.user}, #${this.pick}, inTable=${this.inTable})`;
}

type ReadKind = "collect" | "take" | "takeDesc" | "first" | "count" | "iterate" | "page" | "nestedTake" | "get";
class Read implements fc.AsyncCommand<Model, Real> {
  constructor(readonly user: User, readonly kind: ReadKind, readonly n: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const expected = visible(model, this.user);
    const ok = async (name: string, args: Record<string, unknown>) => {
      const result = await call(real, "query", name, args, this.user);
      expect(result.ok, JSON.stringify(result)).toBe(true);
      return (result as { value: unknown }).value;
    };
    switch (this.kind) {
      case "collect":
      case "iterate":
        { expect(plainAll(await ok(this.kind, {}))).toEqual(expected); return; }
      case "take":
      case "nestedTake":
        { expect(plainAll(await ok(this.kind, { n: this.n }))).toEqual(expected.slice(0, this.n)); return; }
      case "takeDesc":
        { expect(plainAll(await ok(this.kind, { n: this.n }))).toEqual([...expected].reverse().slice(0, this.n)); return; }
      case "first": {
        const first = await ok("first", {});
        expect(first === null ? null : plain(first)).toEqual(expected[0] ?? null); return;
      }
      case "count":
        { expect(await ok("count", {})).toBe(expected.length); return; }
      case "get": {
        const id = target(model, real, this.n);
        if (id === undefined) return;
        const doc = await ok("get", { id });
        const item = expected.find((candidate) => candidate._id === id) ?? null;
        expect(doc === null ? null : plain(doc)).toEqual(item); return;
      }
      case "page": {
        const numItems = Math.max(1, this.n);
        const all: Item[] = [];
        let cursor: string | null = null;
        for (let pages = 0; ; pages++) {
          expect(pages).toBeLessThan(100);
          const page = (await ok("page", { numItems, cursor })) as { page: unknown; isDone: boolean; continueCursor: string };
          const items = plainAll(page.page);
          all.push(...items);
          if (page.isDone) break;
          expect(items).toHaveLength(numItems);
          cursor = page.continueCursor;
        }
        expect(all).toEqual(expected); return;
      }
    }
  }
  toString = () => `Read(${this.user}, ${this.kind}, ${this.n})`;
}

const commands = [
  fc.tuple(user, itemFields).map(([u, doc]) => new Insert(u, doc)),
  // mostly the caller's own documents, so that writes get through
  fc.tuple(owner, fc.boolean(), fc.boolean()).map(([u, isPublic, rank]) => new Insert(u, { owner: u, public: isPublic, rank: rank ? 1 : 3 })),
  fc.tuple(user, itemFields, itemFields, fc.boolean()).map(([u, a, b, nested]) => new InsertPair(u, a, b, nested)),
  fc.tuple(user, fc.nat(), fc.record({ public: fc.boolean(), rank: fc.integer({ min: 0, max: 4 }), owner }, { requiredKeys: [] }), fc.constantFrom("patch" as const, "patchInTable" as const, "replace" as const)).map(
    ([u, pick, value, mode]) => new Patch(u, pick, value, mode),
  ),
  fc.tuple(user, fc.nat(), fc.boolean()).map(([u, pick, inTable]) => new Delete(u, pick, inTable)),
  fc.tuple(user, fc.constantFrom<ReadKind>("collect", "take", "takeDesc", "first", "count", "iterate", "page", "nestedTake", "get"), fc.nat({ max: 6 })).map(([u, kind, n]) => new Read(u, kind, n)),
];

const database = useTestDatabase();
const runtimes = {} as Record<keyof typeof RULES, Runtime>;

beforeAll(async () => {
  const { driver, databaseUrl } = database();
  await createRuntime({ driver, schema, registry, ensureStorage: { databaseUrl } });
  for (const form of Object.keys(RULES) as (keyof typeof RULES)[]) runtimes[form] = await createRuntime({ driver, schema, registry, rules: RULES[form] });
});

describe.each(["filter", "predicate"] as const)("rules model (%s read rule)", (form) => {
  it("no leak, no unauthorized change, no authorized change lost", async () => {
    const runtime = runtimes[form];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (cmds) => {
        await runtime.runHandler("mutation", async (ctx) => {
          for (const doc of await ctx.db.query("items").collect()) await ctx.db.delete(doc._id as never);
        });
        const model: Model = new Map();
        const real: Real = { runtime, gone: [] };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        // administrative read: exactly the model
        await expectStored(model, real);
      }),
      { numRuns: 40 },
    );
  });
});

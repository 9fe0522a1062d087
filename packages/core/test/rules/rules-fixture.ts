import { anyApi } from "../../src/functions/any-api.js";
import { internalQueryGeneric, mutationGeneric, queryGeneric } from "../../src/functions/function-builders.js";
import { createRegistrySync } from "../../src/functions/registry.js";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import { defineRulesGeneric } from "../../src/server/rules.js";
import { v } from "../../src/values/index.js";
import type { Value } from "../../src/values/value.js";

/** Notes owned by users (public or private), team documents, and a table without rules. */
export const schema = defineSchema({
  notes: defineTable({ owner: v.string(), public: v.boolean(), rank: v.number(), body: v.string() }).index("by_rank", ["rank"]).index("by_owner", ["owner"]),
  members: defineTable({ team: v.string(), user: v.string() }).index("by_team_user", ["team", "user"]),
  docs: defineTable({ team: v.string(), body: v.string() }).index("by_team", ["team"]),
  secrets: defineTable({ x: v.number() }),
});

type Ctx = { auth: { getUserIdentity(): Promise<{ subject: string } | null> } };
const me = async ({ auth }: Ctx) => (await auth.getUserIdentity())?.subject ?? null;

const writeRules = {
  insert: async (ctx: Ctx, doc: Record<string, unknown>) => doc.owner === (await me(ctx)),
  update: async (ctx: Ctx, oldDoc: Record<string, unknown>, newDoc: Record<string, unknown>) => oldDoc.owner === newDoc.owner && oldDoc.owner === (await me(ctx)),
  delete: async (ctx: Ctx, doc: Record<string, unknown>) => doc.owner === (await me(ctx)),
};

/** Team documents are readable and writable by the team's members: a lookup through the rules' own `db`. */
const docsRules = {
  read: async (ctx: Ctx & { db: { query(table: string): { withIndex(index: string, range: (q: never) => unknown): { first(): Promise<unknown> } } } }, doc: Record<string, unknown>) => {
    const user = await me(ctx);
    if (user === null) return false;
    const membership = await ctx.db.query("members").withIndex("by_team_user", ((q: { eq(f: string, x: Value): { eq(f: string, x: Value): unknown } }) => q.eq("team", doc.team as string).eq("user", user))).first();
    return membership !== null;
  },
};

/** Owner-only notes, public ones readable by everyone: the read rule as a SQL filter expression. */
export const filterRules = defineRulesGeneric({
  defaultPolicy: "deny",
  notes: {
    read: { filter: (q, identity) => q.or(q.eq(q.field("public"), true), q.eq(q.field("owner"), identity?.subject ?? null)) },
    ...writeRules,
  },
  members: { read: () => true, insert: () => true },
  docs: docsRules as never,
});

/** The same rules with the read rule as a JavaScript predicate. */
export const predicateRules = defineRulesGeneric({
  defaultPolicy: "deny",
  notes: {
    read: async (ctx, doc) => doc.public === true || doc.owner === (await me(ctx)),
    ...writeRules,
  },
  members: { read: () => true, insert: () => true },
  docs: docsRules as never,
});

const noteFields = { owner: v.string(), public: v.boolean(), rank: v.number(), body: v.string() };

/** Functions exercising every `ctx.db` path. */
export const notes = {
  take: queryGeneric({ args: { n: v.number() }, handler: (ctx, { n }) => ctx.db.query("notes").withIndex("by_rank").take(n) }),
  takeDesc: queryGeneric({ args: { n: v.number() }, handler: (ctx, { n }) => ctx.db.query("notes").withIndex("by_rank").order("desc").take(n) }),
  collect: queryGeneric({ args: {}, handler: (ctx) => ctx.db.query("notes").collect() }),
  byOwner: queryGeneric({ args: { owner: v.string() }, handler: (ctx, { owner }) => ctx.db.query("notes").withIndex("by_owner", (q) => q.eq("owner", owner)).collect() }),
  first: queryGeneric({ args: {}, handler: (ctx) => ctx.db.query("notes").withIndex("by_rank").first() }),
  unique: queryGeneric({ args: { owner: v.string() }, handler: (ctx, { owner }) => ctx.db.query("notes").withIndex("by_owner", (q) => q.eq("owner", owner)).unique() }),
  count: queryGeneric({ args: {}, handler: (ctx) => ctx.db.query("notes").count() }),
  paginate: queryGeneric({
    args: { numItems: v.number(), cursor: v.union(v.string(), v.null()) },
    handler: (ctx, { numItems, cursor }) => ctx.db.query("notes").withIndex("by_rank").paginate({ numItems, cursor }),
  }),
  paginateBounded: queryGeneric({
    args: { numItems: v.number(), cursor: v.union(v.string(), v.null()), maximumRowsRead: v.number() },
    handler: (ctx, { numItems, cursor, maximumRowsRead }) => ctx.db.query("notes").withIndex("by_rank").paginate({ numItems, cursor, maximumRowsRead }),
  }),
  iterate: queryGeneric({
    args: {},
    handler: async (ctx) => {
      const seen: unknown[] = [];
      for await (const note of ctx.db.query("notes").withIndex("by_rank")) seen.push(note);
      return seen;
    },
  }),
  get: queryGeneric({ args: { id: v.string() }, handler: (ctx, { id }) => ctx.db.get(id as never) }),
  getInTable: queryGeneric({ args: { id: v.string() }, handler: (ctx, { id }) => ctx.db.get("notes", id as never) }),
  internalTake: internalQueryGeneric({ args: { n: v.number() }, handler: (ctx, { n }) => ctx.db.query("notes").withIndex("by_rank").take(n) }),
  nestedTake: queryGeneric({ args: { n: v.number() }, handler: (ctx, { n }) => ctx.runQuery(anyApi.notes!.internalTake!, { n }) as Promise<Value> }),
  insert: mutationGeneric({ args: noteFields, handler: (ctx, note) => ctx.db.insert("notes", note) }),
  patch: mutationGeneric({ args: { id: v.string(), fields: v.any() }, handler: async (ctx, { id, fields }) => ctx.db.patch(id as never, fields as never) }),
  patchInTable: mutationGeneric({ args: { id: v.string(), fields: v.any() }, handler: async (ctx, { id, fields }) => ctx.db.patch("notes", id as never, fields as never) }),
  replace: mutationGeneric({ args: { id: v.string(), doc: v.any() }, handler: async (ctx, { id, doc }) => ctx.db.replace(id as never, doc as never) }),
  remove: mutationGeneric({ args: { id: v.string() }, handler: async (ctx, { id }) => ctx.db.delete(id as never) }),
  removeInTable: mutationGeneric({ args: { id: v.string() }, handler: async (ctx, { id }) => ctx.db.delete("notes", id as never) }),
  /** Tries a nested mutation; a denied one is caught, its writes undone, and the caller goes on. */
  tryNested: mutationGeneric({
    args: { note: v.object(noteFields), then: v.object(noteFields) },
    handler: async (ctx, { note, then }) => {
      let denied: string | null = null;
      try {
        await ctx.runMutation(anyApi.notes!.insertTwice!, { note });
      } catch (error) {
        denied = (error as { code?: string }).code ?? "unknown";
      }
      const id = await ctx.db.insert("notes", then);
      return { denied, id };
    },
  }),
  /** Inserts `note` (allowed for its owner), then one owned by someone else (denied). */
  insertTwice: mutationGeneric({
    args: { note: v.object(noteFields) },
    handler: async (ctx, { note }) => {
      await ctx.db.insert("notes", note);
      await ctx.db.insert("notes", { ...note, owner: `${note.owner}-other` });
    },
  }),
};

export const team = {
  docs: queryGeneric({ args: {}, handler: (ctx) => ctx.db.query("docs").collect() }),
  join: mutationGeneric({ args: { team: v.string(), user: v.string() }, handler: (ctx, args) => ctx.db.insert("members", args) }),
};

export const secrets = {
  list: queryGeneric({ args: {}, handler: (ctx) => ctx.db.query("secrets").collect() }),
  count: queryGeneric({ args: {}, handler: (ctx) => ctx.db.query("secrets").count() }),
  insert: mutationGeneric({ args: { x: v.number() }, handler: (ctx, args) => ctx.db.insert("secrets", args) }),
};

export const registry = createRegistrySync({ notes, team, secrets });

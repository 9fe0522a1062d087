import { beforeAll, describe, expect, it } from "vitest";
import { identityFromTestClaims } from "../../src/auth/user-identity.js";
import type { Document } from "../../src/db/index.js";
import type { UserIdentity } from "../../src/functions/context.js";
import { createRuntime, type Runtime } from "../../src/runtime/runtime.js";
import { useTestDatabase } from "../helpers/test-database.js";
import { defineRulesGeneric } from "../../src/server/rules.js";
import { filterRules, predicateRules, registry, schema } from "./rules-fixture.js";

/**
 * Table rules through the runtime, every `ctx.db` path, with the notes' read rule written both
 * ways (SQL filter expression, JavaScript predicate): the results must be the same.
 */
const db = useTestDatabase();
const runtimes: Record<"filter" | "predicate", Runtime> = {} as never;
let admin: Runtime;

const ada = identityFromTestClaims({ subject: "ada" });
const bob = identityFromTestClaims({ subject: "bob" });

beforeAll(async () => {
  const { driver, databaseUrl } = db();
  admin = await createRuntime({ driver, schema, registry, ensureStorage: { databaseUrl } });
  runtimes.filter = await createRuntime({ driver, schema, registry, rules: filterRules });
  runtimes.predicate = await createRuntime({ driver, schema, registry, rules: predicateRules });
  // 50 private notes of bob first in index order, then 10 private notes of ada, then 3 public ones of bob
  await admin.runHandler("mutation", async (ctx) => {
    for (let rank = 0; rank < 50; rank++) await ctx.db.insert("notes", { owner: "bob", public: false, rank, body: `b${rank}` });
    for (let rank = 50; rank < 60; rank++) await ctx.db.insert("notes", { owner: "ada", public: false, rank, body: `a${rank}` });
    for (let rank = 60; rank < 63; rank++) await ctx.db.insert("notes", { owner: "bob", public: true, rank, body: `p${rank}` });
    await ctx.db.insert("secrets", { x: 1 });
  });
});

async function as<T = unknown>(runtime: Runtime, kind: "query" | "mutation", name: string, args: Record<string, unknown>, identity: UserIdentity | null): Promise<T> {
  return (await runtime.run(kind, name, args, { identity })).value as T;
}

const ranks = (docs: unknown): unknown[] => (docs as Document[]).map((doc) => doc.rank);

async function caught(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("expected the call to fail");
}

async function adminNote(rank: number): Promise<Document> {
  const { value } = await admin.runHandler("query", (ctx) => ctx.db.query("notes").withIndex("by_rank", (q) => q.eq("rank", rank)).unique());
  return value as Document;
}

describe.each(["filter", "predicate"] as const)("read rules as a %s", (form) => {
  const rt = () => runtimes[form];

  it("take(5) returns five allowed documents when fifty denied ones come first in index order", async () => {
    expect(ranks(await as(rt(), "query", "notes:take", { n: 5 }, ada))).toEqual([50, 51, 52, 53, 54]);
    expect(ranks(await as(rt(), "query", "notes:take", { n: 12 }, ada))).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61]);
    expect(ranks(await as(rt(), "query", "notes:take", { n: 5 }, null))).toEqual([60, 61, 62]);
    expect(ranks(await as(rt(), "query", "notes:takeDesc", { n: 4 }, ada))).toEqual([62, 61, 60, 59]);
  });

  it("collect, first, unique, count and async iteration see only allowed documents", async () => {
    expect(ranks(await as(rt(), "query", "notes:collect", {}, ada))).toEqual([...Array.from({ length: 10 }, (_, i) => 50 + i), 60, 61, 62]);
    expect((await as<Document>(rt(), "query", "notes:first", {}, ada)).rank).toBe(50);
    expect(await as(rt(), "query", "notes:count", {}, ada)).toBe(13);
    expect(await as(rt(), "query", "notes:count", {}, bob)).toBe(53);
    expect(await as(rt(), "query", "notes:count", {}, null)).toBe(3);
    expect(ranks(await as(rt(), "query", "notes:iterate", {}, null))).toEqual([60, 61, 62]);
    // bob has 53 notes, but ada sees only his 3 public ones: unique() over them throws, over hers too
    expect(ranks(await as(rt(), "query", "notes:byOwner", { owner: "bob" }, ada))).toEqual([60, 61, 62]);
    await expect(as(rt(), "query", "notes:unique", { owner: "ada" }, ada)).rejects.toThrow(/more than one/);
    expect(await as(rt(), "query", "notes:unique", { owner: "ada" }, bob)).toBeNull();
  });

  it("paginate pages through the allowed documents only", async () => {
    const seen: unknown[] = [];
    let cursor: string | null = null;
    let pages = 0;
    for (;;) {
      const page: { page: Document[]; isDone: boolean; continueCursor: string } = await as(rt(), "query", "notes:paginate", { numItems: 4, cursor }, ada);
      seen.push(...ranks(page.page));
      pages++;
      if (page.isDone) break;
      expect(page.page).toHaveLength(4);
      cursor = page.continueCursor;
    }
    expect(seen).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62]);
    expect(pages).toBe(4);
  });

  it("paginate with maximumRowsRead counts denied rows as read and never returns them", async () => {
    const first: { page: Document[]; isDone: boolean; pageStatus?: string | null } = await as(rt(), "query", "notes:paginateBounded", { numItems: 5, cursor: null, maximumRowsRead: 20 }, ada);
    expect(first.page).toEqual([]);
    expect(first.isDone).toBe(false);
    expect(first.pageStatus).toBe("SplitRequired");
  });

  it("get of a denied document is null; nested and internal functions see the same", async () => {
    const hidden = await adminNote(3);
    const mine = await adminNote(55);
    expect(await as(rt(), "query", "notes:get", { id: hidden._id }, ada)).toBeNull();
    expect(await as(rt(), "query", "notes:getInTable", { id: hidden._id }, ada)).toBeNull();
    expect(await as(rt(), "query", "notes:get", { id: mine._id }, ada)).toEqual(mine);
    expect(await as(rt(), "query", "notes:get", { id: mine._id }, null)).toBeNull();
    expect(ranks(await as(rt(), "query", "notes:nestedTake", { n: 2 }, ada))).toEqual([50, 51]);
    expect(ranks((await rt().run("query", "notes:internalTake", { n: 2 }, { allowInternal: true, identity: null })).value)).toEqual([60, 61]);
  });

  it("an update that would hand a document to another owner is FORBIDDEN and writes nothing", async () => {
    const mine = await adminNote(56);
    const error = await caught(as(rt(), "mutation", "notes:patch", { id: mine._id, fields: { owner: "bob", body: "yours" } }, ada));
    expect(error).toMatchObject({ code: "FORBIDDEN" });
    const replaced = await caught(as(rt(), "mutation", "notes:replace", { id: mine._id, doc: { owner: "bob", public: false, rank: 56, body: "yours" } }, ada));
    expect(replaced).toMatchObject({ code: "FORBIDDEN" });
    expect(await adminNote(56)).toEqual(mine);
    // bob cannot take it either (he cannot even see it)
    await expect(as(rt(), "mutation", "notes:patch", { id: mine._id, fields: { owner: "bob" } }, bob)).rejects.toMatchObject({ code: "INTERNAL" });
    expect(await adminNote(56)).toEqual(mine);
    // the owner may change her own note
    await as(rt(), "mutation", "notes:patchInTable", { id: mine._id, fields: { body: "edited" } }, ada);
    expect((await adminNote(56)).body).toBe("edited");
    await as(rt(), "mutation", "notes:patch", { id: mine._id, fields: { body: mine.body } }, ada);
  });

  it("a write to a document the caller cannot read fails exactly as a write to a deleted one", async () => {
    const hidden = await adminNote(4);
    const gone = (await admin.runHandler("mutation", async (ctx) => {
      const id = await ctx.db.insert("notes", { owner: "ada", public: false, rank: 1000, body: "x" });
      await ctx.db.delete(id);
      return id;
    })).value;
    for (const [name, args] of [
      ["notes:patch", { fields: { body: "x" } }],
      ["notes:replace", { doc: { owner: "ada", public: false, rank: 4, body: "x" } }],
      ["notes:remove", {}],
      ["notes:removeInTable", {}],
    ] as const) {
      const denied = await caught(as(rt(), "mutation", name, { ...args, id: hidden._id }, ada));
      const deleted = await caught(as(rt(), "mutation", name, { ...args, id: gone }, ada));
      expect(denied.code).toBe(deleted.code);
      expect(denied.message.replace(hidden._id, "<id>")).toBe(deleted.message.replace(gone, "<id>"));
    }
    expect(await adminNote(4)).toEqual(hidden);
  });

  it("insert and delete follow their rules", async () => {
    const denied = await caught(as(rt(), "mutation", "notes:insert", { owner: "bob", public: true, rank: 500, body: "forged" }, ada));
    expect(denied).toMatchObject({ code: "FORBIDDEN" });
    expect(await as(rt(), "query", "notes:count", {}, bob)).toBe(53);
    const id = await as<string>(rt(), "mutation", "notes:insert", { owner: "ada", public: true, rank: 500, body: "mine" }, ada);
    // bob can read the public note but not delete it
    expect(await as(rt(), "query", "notes:get", { id }, bob)).toMatchObject({ body: "mine" });
    expect(await caught(as(rt(), "mutation", "notes:remove", { id }, bob))).toMatchObject({ code: "FORBIDDEN" });
    await as(rt(), "mutation", "notes:remove", { id }, ada);
    expect(await as(rt(), "query", "notes:get", { id }, ada)).toBeNull();
  });

  it("a denied nested mutation rolls back its own writes only, when its caller catches the error", async () => {
    const note = { owner: "ada", public: false, rank: 700, body: "nested" };
    const result = await as<{ denied: string; id: string }>(rt(), "mutation", "notes:tryNested", { note, then: { ...note, rank: 701 } }, ada);
    expect(result.denied).toBe("FORBIDDEN");
    const { value } = await admin.runHandler("query", (ctx) => ctx.db.query("notes").withIndex("by_rank", (q) => q.gte("rank", 700)).collect());
    expect(ranks(value)).toEqual([701]);
    await admin.runHandler("mutation", (ctx) => ctx.db.delete(result.id as never));
  });

  it("a table under defaultPolicy deny reads as empty and cannot be written; administrative calls skip rules", async () => {
    expect(await as(rt(), "query", "secrets:list", {}, ada)).toEqual([]);
    expect(await as(rt(), "query", "secrets:count", {}, ada)).toBe(0);
    expect(await caught(as(rt(), "mutation", "secrets:insert", { x: 2 }, ada))).toMatchObject({ code: "FORBIDDEN" });
    expect((await rt().run("query", "secrets:count", {}, { administrative: true })).value).toBe(1);
    expect((await rt().runHandler("query", (ctx) => ctx.db.query("notes").count())).value).toBe(63);
  });

  it("team membership through the rules' own db", async () => {
    await admin.runHandler("mutation", async (ctx) => {
      if ((await ctx.db.query("docs").first()) !== null) return;
      await ctx.db.insert("docs", { team: "red", body: "r" });
      await ctx.db.insert("docs", { team: "blue", body: "b" });
    });
    expect(await as(rt(), "query", "team:docs", {}, ada)).toEqual([]);
    await as(rt(), "mutation", "team:join", { team: "red", user: "ada" }, ada);
    expect(await as<Document[]>(rt(), "query", "team:docs", {}, ada)).toMatchObject([{ team: "red" }]);
    await admin.runHandler("mutation", async (ctx) => {
      for (const member of await ctx.db.query("members").collect()) await ctx.db.delete(member._id as never);
    });
  });
});

describe("cursors under a filter-expression rule", () => {
  it("carry the rule with the caller's identity: another caller's cursor is refused", async () => {
    const first: { continueCursor: string } = await as(runtimes.filter, "query", "notes:paginate", { numItems: 2, cursor: null }, ada);
    await expect(as(runtimes.filter, "query", "notes:paginate", { numItems: 2, cursor: first.continueCursor }, bob)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const next: { page: Document[] } = await as(runtimes.filter, "query", "notes:paginate", { numItems: 2, cursor: first.continueCursor }, ada);
    expect(ranks(next.page)).toEqual([52, 53]);
  });
});

describe("defining rules", () => {
  it("refuses rules naming a table the schema does not have, or an unknown operation", async () => {
    await expect(createRuntime({ driver: db().driver, schema, registry, rules: defineRulesGeneric({ nope: { read: () => true } }) })).rejects.toThrow(/table "nope" is not a table of the schema/);
    expect(() => defineRulesGeneric({ notes: { modify: () => true } as never })).toThrow(/unknown rule "modify"/);
    expect(() => defineRulesGeneric({ defaultPolicy: "maybe" as never })).toThrow(/defaultPolicy/);
  });

  it("only `true` allows: a rule answering anything else denies", async () => {
    const loose = await createRuntime({ driver: db().driver, schema, registry, rules: defineRulesGeneric({ secrets: { read: (() => "yes") as never, insert: (() => 1) as never } }) });
    expect(await as(loose, "query", "secrets:count", {}, ada)).toBe(0);
    await expect(as(loose, "mutation", "secrets:insert", { x: 3 }, ada)).rejects.toMatchObject({ code: "FORBIDDEN" });
    // swapping the rules (the dev loop's reload) takes effect on the next call
    loose.setRules(undefined);
    expect(await as(loose, "query", "secrets:count", {}, ada)).toBe(1);
  });
});

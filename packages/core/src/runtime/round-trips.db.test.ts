import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import type { Driver, Queryable, TransactionOptions } from "../driver/driver.js";
import { DatabaseError } from "../errors/database-error.js";
import { FrameworkError } from "../errors/framework-error.js";
import { anyApi } from "../functions/any-api.js";
import { internalMutationGeneric, internalQueryGeneric, mutationGeneric, queryGeneric } from "../functions/function-builders.js";
import { createRegistrySync } from "../functions/registry.js";
import { ConvoyError } from "../values/convoy-error.js";
import { v } from "../values/v.js";
import schema from "../test/fixtures/convoy/schema.js";
import { newCreationTime, newId } from "../storage/ids.js";
import type { AnyMutationCtx, AnyQueryCtx } from "./invoke.js";
import { createRuntime, type Runtime } from "./runtime.js";

/**
 * Round trips of the runner: a query's single-statement fast path (one statement, no BEGIN;
 * a second statement re-runs the query in a REPEATABLE READ transaction) and the per-call
 * document cache of mutations (a patch after a get does not fetch the row again).
 */

/** Every statement the runtime sends, in order: `query: …` outside a transaction, `tx: …` inside, `BEGIN …`/`END` around transactions. */
const statements: string[] = [];
/** When set, every statement and transaction fails like a lost connection. */
let down = false;

function unavailable(): FrameworkError {
  return new FrameworkError("UNAVAILABLE", "database unavailable (simulated)");
}

/** A driver that records the statements it is given (pg_stat_statements is not available everywhere). */
function recordingDriver(driver: Driver): Driver {
  const describe = (options: TransactionOptions) => `BEGIN ${options.isolation ?? "read committed"}${options.readOnly === true ? " read only" : ""}`;
  return {
    kind: driver.kind,
    query(sql, params) {
      statements.push(`query: ${sql}`);
      if (down) return Promise.reject(unavailable());
      return driver.query(sql, params);
    },
    async transaction(options, fn) {
      statements.push(describe(options));
      if (down) throw unavailable();
      try {
        return await driver.transaction(options, (tx) => {
          const recorded: Queryable = {
            query(sql, params) {
              statements.push(`tx: ${sql}`);
              return tx.query(sql, params);
            },
          };
          return fn(recorded);
        });
      } finally {
        statements.push("END");
      }
    },
    listen: (channel, handler) => driver.listen(channel, handler),
    notify: (channel, payload) => driver.notify(channel, payload),
    close: () => driver.close(),
  };
}

/** What the `hooked` query does between its two reads (set by each test). */
let between: () => Promise<void> = () => Promise.resolve();
let handlerRuns = 0;

const fns = {
  messagesByAuthor: queryGeneric({
    args: { author: v.string() },
    handler: (ctx, { author }) => ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", author)).take(5),
  }),
  getDoc: queryGeneric({ args: { id: v.string() }, handler: (ctx, { id }) => ctx.db.get(id as never) }),
  getTwice: queryGeneric({
    args: { id: v.string() },
    handler: async (ctx, { id }) => [await ctx.db.get(id as never), await ctx.db.get(id as never)],
  }),
  page: queryGeneric({
    args: { cursor: v.union(v.string(), v.null()) },
    handler: (ctx, { cursor }) => ctx.db.query("messages").paginate({ numItems: 2, cursor }),
  }),
  count: queryGeneric({ args: {}, handler: (ctx) => ctx.db.query("messages").count() }),
  nothing: queryGeneric({ args: {}, handler: () => "no statement" }),
  twoGets: queryGeneric({
    args: { a: v.string(), b: v.string() },
    handler: async (ctx, { a, b }) => {
      handlerRuns++;
      const first = await ctx.db.get(a as never);
      const second = await ctx.db.get(b as never);
      return [(first?._id as string | undefined) ?? null, (second?._id as string | undefined) ?? null];
    },
  }),
  concurrentReads: queryGeneric({
    args: {},
    handler: async (ctx) => {
      handlerRuns++;
      const [messages, users] = await Promise.all([ctx.db.query("messages").collect(), ctx.db.query("users").collect()]);
      return { messages: messages.length, users: users.length };
    },
  }),
  /** Swallows the failure of its second statement (the fast path's fallback signal) and even tries a third. */
  swallows: queryGeneric({
    args: {},
    handler: async (ctx) => {
      handlerRuns++;
      const messages = await ctx.db.query("messages").collect();
      let users: number | string;
      try {
        users = (await ctx.db.query("users").collect()).length;
      } catch (error) {
        try {
          await ctx.db.query("counters").collect();
        } catch {
          // still refused
        }
        return { messages: messages.length, users: `swallowed ${String(error)}` };
      }
      return { messages: messages.length, users };
    },
  }),
  /** Swallows the fallback signal and throws an application error instead. */
  swallowsAndThrows: queryGeneric({
    args: {},
    handler: async (ctx) => {
      handlerRuns++;
      await ctx.db.query("messages").first();
      try {
        await ctx.db.query("users").first();
      } catch {
        throw new ConvoyError({ wrong: "this attempt must be discarded" });
      }
      return "ok";
    },
  }),
  nestedOnly: queryGeneric({ args: {}, handler: (ctx): Promise<number> => ctx.runQuery(anyApi.fns!.countUsers!, {}) as Promise<number> }),
  nestedAndOwn: queryGeneric({
    args: {},
    handler: async (ctx): Promise<number[]> => [await ctx.db.query("messages").count(), (await ctx.runQuery(anyApi.fns!.countUsers!, {})) as number],
  }),
  countUsers: internalQueryGeneric({ args: {}, returns: v.number(), handler: (ctx) => ctx.db.query("users").count() }),
  iterate: queryGeneric({
    args: {},
    handler: async (ctx) => {
      const ids: string[] = [];
      for await (const user of ctx.db.query("users")) ids.push(user._id);
      return ids.length;
    },
  }),
  /** Two counts with a pause between them (a concurrent commit happens there). */
  hooked: queryGeneric({
    args: {},
    handler: async (ctx) => {
      handlerRuns++;
      const before = await ctx.db.query("users").count();
      await between();
      const after = await ctx.db.query("users").count();
      return { before, after };
    },
  }),
  rejects: queryGeneric({
    args: {},
    handler: async (ctx) => {
      const first = await ctx.db.query("messages").first();
      throw new ConvoyError({ reason: "rejected", seen: first === null ? null : "a message", big: 3n });
    },
  }),
  badFilter: queryGeneric({
    args: {},
    handler: (ctx) => ctx.db.query("messages").filter((q) => q.eq(q.add(q.field("author"), 1), 2)).collect(),
  }),
  badFilterCaught: queryGeneric({
    args: {},
    handler: async (ctx) => {
      try {
        await ctx.db.query("messages").filter((q) => q.eq(q.add(q.field("author"), 1), 2)).collect();
      } catch {
        return "recovered";
      }
      return "unreachable";
    },
  }),
  firstMessageOrCaught: queryGeneric({
    args: {},
    handler: async (ctx) => {
      try {
        return await ctx.db.query("messages").first();
      } catch (error) {
        return `caught ${(error as FrameworkError).code}`;
      }
    },
  }),
  mutatesArgs: queryGeneric({
    args: { list: v.array(v.number()) },
    handler: async (ctx, args) => {
      handlerRuns++;
      args.list.push(handlerRuns);
      await ctx.db.query("users").first();
      await ctx.db.query("messages").first();
      return args.list;
    },
  }),
  // mutations
  increment: mutationGeneric({
    args: { id: v.string() },
    handler: async (ctx, { id }) => {
      const counter = await ctx.db.get(id as never);
      if (counter === null) throw new Error("no counter");
      await ctx.db.patch(id as never, { value: (counter as { value: number }).value + 1 });
      return (counter as { value: number }).value + 1;
    },
  }),
  patchInNestedThenFail: internalMutationGeneric({
    args: { id: v.string() },
    handler: async (ctx, { id }) => {
      await ctx.db.patch(id as never, { value: 1000 });
      const seen = await ctx.db.get(id as never);
      throw new ConvoyError({ sawInside: (seen as { value: number } | null)?.value ?? null });
    },
  }),
  nestedRollback: mutationGeneric({
    args: { id: v.string() },
    handler: async (ctx, { id }) => {
      const before = ((await ctx.db.get(id as never)) as { value: number }).value;
      let inside: unknown = null;
      try {
        await ctx.runMutation(anyApi.fns!.patchInNestedThenFail!, { id });
      } catch (error) {
        inside = (error as ConvoyError).data;
      }
      const after = ((await ctx.db.get(id as never)) as { value: number }).value;
      await ctx.db.patch(id as never, { value: after + 1 });
      return { before, inside, after };
    },
  }),
  /** A query still in flight when a patch is issued must not refill the cache with the old row. */
  readInFlight: mutationGeneric({
    args: { id: v.string() },
    handler: async (ctx, { id }) => {
      await ctx.db.get(id as never);
      const pending = ctx.db.query("counters").collect();
      await ctx.db.patch(id as never, { value: 42 });
      await pending;
      return ((await ctx.db.get(id as never)) as { value: number }).value;
    },
  }),
  deleteThenGet: mutationGeneric({
    args: { id: v.string() },
    handler: async (ctx, { id }) => {
      await ctx.db.get(id as never);
      await ctx.db.delete(id as never);
      return ctx.db.get(id as never);
    },
  }),
  patchQueried: mutationGeneric({
    args: {},
    handler: async (ctx) => {
      const all = await ctx.db.query("counters").collect();
      for (const counter of all) await ctx.db.patch(counter._id, { value: (counter.value as number) * 2 });
      return all.length;
    },
  }),
};

const db = useTestDatabase();
let runtime: Runtime;

beforeAll(async () => {
  runtime = await createRuntime({ driver: recordingDriver(db().driver), schema, registry: createRegistrySync({ fns }), ensureStorage: { databaseUrl: db().databaseUrl } });
});

beforeEach(async () => {
  down = false;
  between = () => Promise.resolve();
  handlerRuns = 0;
  await db().driver.query(`DELETE FROM "messages"; DELETE FROM "users"; DELETE FROM "counters"`);
  statements.length = 0;
});

async function insert(table: string, data: object): Promise<string> {
  const { value } = await runtime.runHandler("mutation", (ctx: AnyMutationCtx) => ctx.db.insert(table as never, data as never));
  return value;
}

/** Runs `fn` and returns the statements it sent. */
async function sent(fn: () => Promise<unknown>): Promise<string[]> {
  statements.length = 0;
  await fn();
  return [...statements];
}

const kinds = (list: string[]) => list.map((statement) => statement.replace(/^(query|tx): (\S+).*$/, "$1: $2"));

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("a query's single statement runs alone, without BEGIN", () => {
  it.each([
    ["withIndex + take", "fns:messagesByAuthor", { author: "ada" }],
    ["paginate", "fns:page", { cursor: null }],
    ["count", "fns:count", {}],
    ["nested runQuery of one statement", "fns:nestedOnly", {}],
    ["async iteration of less than one batch", "fns:iterate", {}],
  ])("%s: one statement, and the same value and access log as in a transaction", async (_label, name, args) => {
    await insert("messages", { author: "ada", body: "1" });
    await insert("messages", { author: "ada", body: "2" });
    await insert("messages", { author: "bob", body: "3" });
    await insert("users", { name: "u", admin: false });
    const transactional = await runtime.runHandler("query", (ctx: AnyQueryCtx) => {
      // the same handler, forced through a transaction by runHandler
      const fn = fns[name.slice(4) as keyof typeof fns] as unknown as { handler: (ctx: AnyQueryCtx, args: unknown) => unknown };
      return fn.handler(ctx, args);
    });
    statements.length = 0;
    const result = await runtime.run("query", name, args);
    expect(kinds(statements)).toEqual(["query: SELECT"]);
    expect(result.value).toEqual(transactional.value);
    expect(result.log.reads).toEqual(transactional.log.reads);
    expect(result.attempts).toBe(1);
  });

  it("get: one statement", async () => {
    const id = await insert("users", { name: "ada", admin: true });
    const list = await sent(() => runtime.run("query", "fns:getDoc", { id }));
    expect(kinds(list)).toEqual(["query: SELECT"]);
    expect((await runtime.run("query", "fns:getDoc", { id })).value).toMatchObject({ _id: id, name: "ada" });
    // the second get of one id is answered by the call's document cache (and still recorded)
    statements.length = 0;
    const twice = await runtime.run("query", "fns:getTwice", { id });
    expect(kinds(statements)).toEqual(["query: SELECT"]);
    expect(twice.value).toEqual([expect.objectContaining({ _id: id, name: "ada" }), expect.objectContaining({ _id: id, name: "ada" })]);
    const [first, second] = twice.value as object[];
    expect(first).not.toBe(second);
    expect(twice.log.reads).toEqual([
      { kind: "get", table: "users", id },
      { kind: "get", table: "users", id },
    ]);
  });

  it("a query that sends no statement needs no transaction", async () => {
    expect(await sent(() => runtime.run("query", "fns:nothing", {}))).toEqual([]);
  });
});

describe("a second statement re-runs the query in a read-only transaction", () => {
  it("two sequential gets: the first attempt is discarded, with its access log", async () => {
    const a = await insert("users", { name: "a", admin: false });
    const b = await insert("users", { name: "b", admin: false });
    statements.length = 0;
    const { value, log, attempts } = await runtime.run("query", "fns:twoGets", { a, b });
    expect(value).toEqual([a, b]);
    expect(handlerRuns).toBe(2);
    expect(attempts).toBe(1);
    expect(kinds(statements)).toEqual(["query: SELECT", "BEGIN repeatable read read only", "tx: SELECT", "tx: SELECT", "END"]);
    expect(log.reads).toEqual([
      { kind: "get", table: "users", id: a },
      { kind: "get", table: "users", id: b },
    ]);
  });

  it("after a fallback, the next calls of that function go straight to the transaction", async () => {
    const a = await insert("users", { name: "a", admin: false });
    const b = await insert("users", { name: "b", admin: false });
    await runtime.run("query", "fns:twoGets", { a, b });
    const list = await sent(() => runtime.run("query", "fns:twoGets", { a, b }));
    expect(kinds(list)).toEqual(["BEGIN repeatable read read only", "tx: SELECT", "tx: SELECT", "END"]);
  });

  it("concurrent statements, nested runQuery and iteration past one batch fall back too", async () => {
    await insert("messages", { author: "ada", body: "1" });
    for (let i = 0; i < 3; i++) await insert("users", { name: `u${i}`, admin: false });
    expect((await runtime.run("query", "fns:concurrentReads", {})).value).toEqual({ messages: 1, users: 3 });
    expect(handlerRuns).toBe(2);
    statements.length = 0;
    const nested = await runtime.run("query", "fns:nestedAndOwn", {});
    expect(nested.value).toEqual([1, 3]);
    expect(nested.log.reads.map((read) => read.table)).toEqual(["messages", "users"]);
    expect(statements).toContain("BEGIN repeatable read read only");
    await runtime.runHandler("mutation", async (ctx: AnyMutationCtx) => {
      for (let i = 0; i < 120; i++) await ctx.db.insert("users", { name: `many${i}`, admin: false });
    });
    statements.length = 0;
    expect((await runtime.run("query", "fns:iterate", {})).value).toBe(123);
    expect(kinds(statements)).toEqual(["query: SELECT", "BEGIN repeatable read read only", "tx: SELECT", "tx: SELECT", "END"]);
  });

  it("a handler that catches the fallback signal is still re-run, and only the re-run counts", async () => {
    await insert("messages", { author: "ada", body: "1" });
    await insert("users", { name: "u", admin: false });
    const { value, log } = await runtime.run("query", "fns:swallows", {});
    expect(value).toEqual({ messages: 1, users: 1 });
    expect(handlerRuns).toBe(2);
    expect(log.reads.map((read) => read.table)).toEqual(["messages", "users"]);
    handlerRuns = 0;
    expect((await runtime.run("query", "fns:swallowsAndThrows", {})).value).toBe("ok");
    expect(handlerRuns).toBe(2);
  });

  it("a re-run gets the arguments the caller passed, not what the first attempt made of them", async () => {
    const args = { list: [0] };
    expect((await runtime.run("query", "fns:mutatesArgs", args)).value).toEqual([0, 2]);
    expect(args).toEqual({ list: [0] });
  });

  it("a query that reads twice sees one snapshot even when another connection commits in between", async () => {
    await insert("users", { name: "first", admin: false });
    let commits = 0;
    if (db().kind === "pg") {
      // Another pool connection commits a new user between the two reads, each attempt.
      between = async () => {
        commits++;
        await db().driver.query(`INSERT INTO "users" ("_id", "_creation_time", "data") VALUES ($1, $2, $3::jsonb)`, [
          newId("users"),
          newCreationTime(),
          { name: `concurrent ${commits}`, admin: false },
        ]);
      };
      const { value } = await runtime.run("query", "fns:hooked", {});
      expect(handlerRuns).toBe(2);
      expect(commits).toBe(2);
      // the transactional re-run saw the first commit (it started after it) but not the second
      expect(value).toEqual({ before: 2, after: 2 });
      const { rows } = await db().driver.query<{ n: string }>(`SELECT count(*) AS n FROM "users"`);
      expect(Number(rows[0]!.n)).toBe(3);
    } else {
      // PGlite is one connection: nothing can commit in between; the re-run still agrees with itself.
      const { value } = await runtime.run("query", "fns:hooked", {});
      expect(handlerRuns).toBe(2);
      expect(commits).toBe(0);
      expect(value).toEqual({ before: 1, after: 1 });
    }
  });
});

describe("errors of the single statement behave as in a transaction", () => {
  it("a ConvoyError after one statement reaches the caller intact, without BEGIN", async () => {
    await insert("messages", { author: "ada", body: "1" });
    statements.length = 0;
    const error = await caught(runtime.run("query", "fns:rejects", {}));
    expect(error).toBeInstanceOf(ConvoyError);
    expect((error as ConvoyError).data).toEqual({ reason: "rejected", seen: "a message", big: 3n });
    expect(kinds(statements)).toEqual(["query: SELECT"]);
  });

  it("a failing statement fails the call with the same error", async () => {
    await insert("messages", { author: "ada", body: "1" });
    const expected = await caught(runtime.runHandler("query", (ctx: AnyQueryCtx) => fns.badFilter.handler(ctx as never, {})));
    statements.length = 0;
    const error = await caught(runtime.run("query", "fns:badFilter", {}));
    expect(kinds(statements)).toEqual(["query: SELECT"]);
    expect(error).toBeInstanceOf(FrameworkError);
    expect(error).toMatchObject({ code: "INTERNAL", message: (expected as Error).message });
    expect((error as Error).cause).toBeInstanceOf(DatabaseError);
  });

  it("a failing statement the handler catches still fails the call, as the aborted transaction did", async () => {
    await insert("messages", { author: "ada", body: "1" });
    const expected = await caught(runtime.runHandler("query", (ctx: AnyQueryCtx) => fns.badFilterCaught.handler(ctx as never, {})));
    expect(expected).toBeInstanceOf(DatabaseError);
    const error = await caught(runtime.run("query", "fns:badFilterCaught", {}));
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ sqlState: (expected as DatabaseError).sqlState, message: (expected as Error).message });
  });

  it("UNAVAILABLE stays UNAVAILABLE, even when the handler catches it", async () => {
    down = true;
    await expect(runtime.run("query", "fns:count", {})).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await expect(runtime.run("query", "fns:firstMessageOrCaught", {})).rejects.toMatchObject({ code: "UNAVAILABLE" });
    down = false;
    expect((await runtime.run("query", "fns:firstMessageOrCaught", {})).value).toBeNull();
  });
});

describe("a mutation's document cache", () => {
  it("a patch after a get of the same document does not read it again", async () => {
    const id = await insert("counters", { name: "c", value: 1 });
    const list = await sent(() => runtime.run("mutation", "fns:increment", { id }));
    expect(kinds(list)).toEqual(["BEGIN serializable", "tx: SELECT", "tx: UPDATE", "END"]);
    const { value, log } = await runtime.run("mutation", "fns:increment", { id });
    expect(value).toBe(3);
    expect(log.reads).toEqual([{ kind: "get", table: "counters", id }]);
    expect(log.writes).toHaveLength(1);
    expect(log.writes[0]).toMatchObject({ table: "counters", id, op: "update" });
    expect(log.writes[0]!.oldKeys!.by_name).not.toBeUndefined();
    const { rows } = await db().driver.query<{ value: number }>(`SELECT (data->>'value')::float8 AS value FROM "counters"`);
    expect(rows[0]!.value).toBe(3);
  });

  it("documents a mutation queried are patched without reading them again", async () => {
    await insert("counters", { name: "a", value: 1 });
    await insert("counters", { name: "b", value: 2 });
    const list = await sent(() => runtime.run("mutation", "fns:patchQueried", {}));
    expect(kinds(list)).toEqual(["BEGIN serializable", "tx: SELECT", "tx: UPDATE", "tx: UPDATE", "END"]);
    const { rows } = await db().driver.query<{ value: number }>(`SELECT (data->>'value')::float8 AS value FROM "counters" ORDER BY 1`);
    expect(rows.map((row) => row.value)).toEqual([2, 4]);
  });

  it("a rolled back nested mutation leaves no cached row behind", async () => {
    const id = await insert("counters", { name: "c", value: 1 });
    const { value } = await runtime.run("mutation", "fns:nestedRollback", { id });
    expect(value).toEqual({ before: 1, inside: { sawInside: 1000 }, after: 1 });
    const { rows } = await db().driver.query<{ value: number }>(`SELECT (data->>'value')::float8 AS value FROM "counters"`);
    expect(rows[0]!.value).toBe(2);
  });

  it("a read in flight while a document is patched does not cache the old row", async () => {
    const id = await insert("counters", { name: "c", value: 1 });
    expect((await runtime.run("mutation", "fns:readInFlight", { id })).value).toBe(42);
  });

  it("a get after a delete is null", async () => {
    const id = await insert("counters", { name: "c", value: 1 });
    expect((await runtime.run("mutation", "fns:deleteThenGet", { id })).value).toBeNull();
  });
});

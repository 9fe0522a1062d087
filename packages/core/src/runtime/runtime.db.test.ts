import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import { DatabaseError } from "../errors/database-error.js";
import { FrameworkError } from "../errors/framework-error.js";
import { anyApi } from "../functions/any-api.js";
import { internalMutationGeneric, mutationGeneric, queryGeneric } from "../functions/function-builders.js";
import { createRegistrySync } from "../functions/registry.js";
import { ConvoyError } from "../values/convoy-error.js";
import { v } from "../values/v.js";
import * as users from "../test/fixtures/convoy/admin/users.js";
import * as counters from "../test/fixtures/convoy/counters.js";
import * as messages from "../test/fixtures/convoy/messages.js";
import * as nesting from "../test/fixtures/convoy/nesting.js";
import schema from "../test/fixtures/convoy/schema.js";
import { createRuntime, type CallEvent, type Runtime } from "./runtime.js";

let attemptsSeen = 0;
let swallowedAttempts = 0;

/** Extra functions for runner edge cases. */
const extra = {
  /** Fails with a serialization failure on every attempt (simulated). */
  alwaysConflicts: mutationGeneric({
    args: {},
    handler: async (ctx) => {
      attemptsSeen++;
      await ctx.db.insert("users", { name: `conflict-${attemptsSeen}`, admin: false });
      throw new DatabaseError("could not serialize access due to concurrent update", { sqlState: "40001" });
    },
  }),
  /** Fails with a deadlock twice, then succeeds. */
  conflictsTwice: mutationGeneric({
    args: { tag: v.string() },
    handler: async (ctx, { tag }) => {
      attemptsSeen++;
      await ctx.db.insert("users", { name: `${tag}-${attemptsSeen}`, admin: false });
      if (attemptsSeen < 3) throw new DatabaseError("deadlock detected", { sqlState: "40P01" });
      return attemptsSeen;
    },
  }),
  /** A nested mutation conflicts; the caller swallows the error; the attempt must still be retried. */
  swallowsConflict: mutationGeneric({
    args: {},
    handler: async (ctx) => {
      swallowedAttempts++;
      try {
        await ctx.runMutation(anyApi.extra!.conflictOnce!, {});
      } catch {
        // swallowed on purpose
      }
      return swallowedAttempts;
    },
  }),
  conflictOnce: internalMutationGeneric({
    args: {},
    handler: () => {
      if (swallowedAttempts === 1) {
        // What the db layer sees when Postgres reports a serialization failure.
        throw new DatabaseError("could not serialize access", { sqlState: "40001" });
      }
      return null;
    },
  }),
  mutatesArgs: mutationGeneric({
    args: { list: v.array(v.number()) },
    handler: (_ctx, args) => {
      attemptsSeen++;
      args.list.push(attemptsSeen);
      if (attemptsSeen === 1) throw new DatabaseError("conflict", { sqlState: "40001" });
      return args.list;
    },
  }),
  noArgs: queryGeneric((_ctx, args: { anything?: unknown }) => args),
  returnsDate: queryGeneric({ handler: () => new Date(0) }),
  returnsNothing: mutationGeneric({ args: {}, returns: v.null(), handler: () => null }),
  identity: queryGeneric({ handler: async (ctx) => ctx.auth.getUserIdentity() }),
};

const registry = createRegistrySync({ messages, counters, "admin/users": users, nesting, extra });
const db = useTestDatabase();
let runtime: Runtime;
const events: CallEvent[] = [];

beforeAll(async () => {
  runtime = await createRuntime({ driver: db().driver, schema, registry, ensureStorage: { databaseUrl: db().databaseUrl }, maxAttempts: 4, retryDelay: { baseMs: 1, maxMs: 2 }, onCall: (event) => events.push(event) });
});

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

async function countRows(table: string): Promise<number> {
  const { rows } = await db().driver.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`);
  return Number(rows[0]!.n);
}

async function clear(): Promise<void> {
  await db().driver.query(`DELETE FROM "messages"; DELETE FROM "users"; DELETE FROM "counters"`);
}

describe("lookup", () => {
  it("runs a query and a mutation by name and by reference", async () => {
    await clear();
    const id = (await runtime.run("mutation", "messages:send", { author: "ada", body: "  hi " })).value;
    expect(typeof id).toBe("string");
    const { value, log } = await runtime.run("query", anyApi.messages!.byAuthor!, { author: "ada" });
    expect(value).toEqual([expect.objectContaining({ _id: id, author: "ada", body: "hi" })]);
    expect([...log.tablesRead()]).toEqual(["messages"]);
    expect([...log.tablesWritten()]).toEqual([]);
  });

  it.each([
    ["an unknown function", "query", "messages:nope", {}, /no public query named "messages:nope"/],
    ["an unknown module", "mutation", "nowhere:send", {}, /no public mutation named "nowhere:send"/],
    ["a mutation called as a query", "query", "messages:send", {}, /"messages:send" is a mutation, not a query/],
    ["a query called as a mutation", "mutation", "messages:list", {}, /"messages:list" is a query, not a mutation/],
    ["an internal function without allowInternal", "mutation", "messages:clearAll", {}, /no public mutation named "messages:clearAll"/],
    ["a name that is not a module path", "query", "", {}, /no public query named ""/],
  ] as const)("%s is NOT_FOUND", async (_label, kind, name, args, message) => {
    const error = await caught(runtime.run(kind, name, args));
    expect(error).toBeInstanceOf(FrameworkError);
    expect(error).toMatchObject({ code: "NOT_FOUND", message: expect.stringMatching(message) });
  });

  it("runs internal functions with allowInternal", async () => {
    await clear();
    await runtime.run("mutation", "messages:send", { author: "a", body: "b" });
    const { value } = await runtime.run("mutation", "messages:clearAll", {}, { allowInternal: true });
    expect(value).toBe(1);
  });

  it("resolves a module's default export from its module name", async () => {
    const defaults = createRegistrySync({ home: { default: queryGeneric({ handler: () => "home" }) } });
    const other = await createRuntime({ driver: db().driver, schema, registry: defaults });
    expect((await other.run("query", "home", {})).value).toBe("home");
    expect((await other.run("query", "home:default", {})).value).toBe("home");
  });
});

describe("arguments and results", () => {
  it.each([
    [{ author: 1 }, "args.author: expected string, got number", "author"],
    [{}, "args.author: missing required field", "author"],
    [{ author: "a", extra: true }, 'args.extra: unexpected field "extra"', "extra"],
    [{ author: "a", limit: "3" }, "args.limit: expected number, got string", "limit"],
    [{ author: "a", $bad: 1 }, undefined, "$bad"],
  ])("rejects %j with ARGS_INVALID and a path", async (args, message, path) => {
    const error = await caught(runtime.run("query", "messages:byAuthor", args));
    expect(error).toMatchObject({ code: "ARGS_INVALID", path });
    if (message !== undefined) expect((error as Error).message).toBe(message);
  });

  it.each([[null], [[]], ["text"], [5], [new Date(0)]])("rejects non-object args %j", async (args) => {
    const error = await caught(runtime.run("query", "messages:byAuthor", args));
    expect(error).toMatchObject({ code: "ARGS_INVALID", message: expect.stringMatching(/^args: expected object, got /) });
  });

  it("accepts omitted optional fields and undefined args for a function without required args", async () => {
    await expect(runtime.run("query", "messages:byAuthor", { author: "nobody" })).resolves.toMatchObject({ value: [] });
    await expect(runtime.run("query", "messages:list", undefined)).resolves.toMatchObject({ value: expect.any(Array) });
  });

  it("a function without args accepts any object, still checked as Convoy values", async () => {
    expect((await runtime.run("query", "extra:noArgs", { anything: [1, "two", 3n] })).value).toEqual({ anything: [1, "two", 3n] });
    const error = await caught(runtime.run("query", "extra:noArgs", { nested: { when: new Date(0) } }));
    expect(error).toMatchObject({ code: "ARGS_INVALID", path: "nested.when", message: "args.nested.when: expected a Convoy value, got Date" });
  });

  it("checks the result against returns: RETURNS_INVALID", async () => {
    const error = await caught(runtime.run("query", "messages:badReturn", {}));
    expect(error).toMatchObject({ code: "RETURNS_INVALID", path: "total", message: "returns.total: expected number, got string" });
  });

  it("a result that is not a Convoy value is RETURNS_INVALID; undefined becomes null", async () => {
    await expect(runtime.run("query", "extra:returnsDate", {})).rejects.toMatchObject({ code: "RETURNS_INVALID" });
    expect((await runtime.run("mutation", "extra:returnsNothing", {})).value).toBeNull();
  });

  it("ctx.auth.getUserIdentity() is null until authentication exists", async () => {
    expect((await runtime.run("query", "extra:identity", {})).value).toBeNull();
  });
});

describe("transactions", () => {
  it("a mutation that writes then throws leaves nothing", async () => {
    await clear();
    await expect(runtime.run("mutation", "messages:sendThenThrow", { author: "a", body: "b" })).rejects.toThrow("boom after writing");
    expect(await countRows("messages")).toBe(0);
  });

  it("a ConvoyError reaches the caller with its data intact, and rolls back", async () => {
    await clear();
    const error = await caught(runtime.run("mutation", "messages:sendThenReject", { author: "ada" }));
    expect(error).toBeInstanceOf(ConvoyError);
    expect((error as ConvoyError).data).toEqual({ reason: "rejected", author: "ada", limit: 3n });
    expect(await countRows("messages")).toBe(0);
  });

  it("a query cannot write", async () => {
    await clear();
    await expect(runtime.run("query", "messages:sneakyWrite", {})).rejects.toThrow();
    expect(await countRows("messages")).toBe(0);
  });

  it("retries serialization failures and deadlocks with a fresh attempt, writes of failed attempts undone", async () => {
    await clear();
    attemptsSeen = 0;
    const result = await runtime.run("mutation", "extra:conflictsTwice", { tag: "retry" });
    expect(result.value).toBe(3);
    expect(result.attempts).toBe(3);
    const { rows } = await db().driver.query<{ name: string }>(`SELECT data->>'name' AS name FROM "users"`);
    expect(rows.map((row) => row.name)).toEqual(["retry-3"]);
  });

  it("gives up after maxAttempts with CONFLICT", async () => {
    await clear();
    attemptsSeen = 0;
    const error = await caught(runtime.run("mutation", "extra:alwaysConflicts", {}));
    expect(error).toMatchObject({ code: "CONFLICT" });
    expect((error as Error).message).toMatch(/after 4 attempts/);
    expect((error as Error).cause).toBeInstanceOf(DatabaseError);
    expect(attemptsSeen).toBe(4);
    expect(await countRows("users")).toBe(0);
  });

  it("a conflict swallowed by user code still retries the whole call", async () => {
    swallowedAttempts = 0;
    const { value, attempts } = await runtime.run("mutation", "extra:swallowsConflict", {});
    expect(value).toBe(2);
    expect(attempts).toBe(2);
  });

  it("a retried handler gets pristine arguments", async () => {
    attemptsSeen = 0;
    const args = { list: [0] };
    expect((await runtime.run("mutation", "extra:mutatesArgs", args)).value).toEqual([0, 2]);
    expect(args).toEqual({ list: [0] });
  });
});

describe("runQuery and runMutation", () => {
  it("runQuery from a mutation reads the mutation's own writes", async () => {
    await clear();
    expect((await runtime.run("mutation", "nesting:addAndCount", { name: "ada" })).value).toBe(1);
    expect((await runtime.run("mutation", "nesting:addAndCount", { name: "bob" })).value).toBe(2);
  });

  it("a caught failing runMutation is undone while the caller's writes survive", async () => {
    await clear();
    const { value, log } = await runtime.run("mutation", "nesting:survive", {});
    expect(value).toEqual({ caught: { failed: "doomed" }, users: 2 });
    const { rows } = await db().driver.query<{ name: string }>(`SELECT data->>'name' AS name FROM "users" ORDER BY 1`);
    expect(rows.map((row) => row.name)).toEqual(["after", "before"]);
    // The undone write is gone from the access log too; the others are there.
    expect(log.writes.map((write) => write.op)).toEqual(["insert", "insert"]);
  });

  it("an uncaught failing runMutation rolls the whole mutation back", async () => {
    await clear();
    const error = await caught(runtime.run("mutation", "nesting:propagate", {}));
    expect(error).toBeInstanceOf(ConvoyError);
    expect((error as ConvoyError).data).toEqual({ failed: "inner" });
    expect(await countRows("users")).toBe(0);
  });

  it("runQuery from a query works and validates the callee's args", async () => {
    await clear();
    await runtime.run("mutation", "nesting:addAndCount", { name: "ada" });
    expect((await runtime.run("query", "nesting:countViaQuery", {})).value).toBe(1);
    await expect(runtime.run("query", "nesting:badNestedArgs", {})).rejects.toMatchObject({ code: "ARGS_INVALID", path: "extra" });
  });

  it("calling an unknown function from a function is NOT_FOUND, naming the call", async () => {
    await expect(runtime.run("mutation", "nesting:callsMissing", {})).rejects.toMatchObject({
      code: "NOT_FOUND",
      message: 'ctx.runMutation: no mutation named "nope:missing"',
    });
  });
});

describe("hooks", () => {
  it("reports each top-level call with its duration and outcome", async () => {
    events.length = 0;
    await runtime.run("query", "messages:list", {});
    await caught(runtime.run("query", "messages:byAuthor", { author: 1 }));
    await caught(runtime.run("mutation", "messages:sendThenReject", { author: "x" }));
    await caught(runtime.run("query", "messages:nope", {}));
    expect(events.map(({ name, ok, errorCode }) => ({ name, ok, errorCode }))).toEqual([
      { name: "messages:list", ok: true, errorCode: undefined },
      { name: "messages:byAuthor", ok: false, errorCode: "ARGS_INVALID" },
      { name: "messages:sendThenReject", ok: false, errorCode: "APPLICATION_ERROR" },
      { name: "messages:nope", ok: false, errorCode: "NOT_FOUND" },
    ]);
    expect(events[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(events[0]!.attempts).toBe(1);
  });

  it("swaps the registry atomically", async () => {
    const swapped = await createRuntime({ driver: db().driver, schema, registry: createRegistrySync({}) });
    await expect(swapped.run("query", "messages:list", {})).rejects.toMatchObject({ code: "NOT_FOUND" });
    swapped.setRegistry(registry);
    await expect(swapped.run("query", "messages:list", {})).resolves.toMatchObject({ value: expect.any(Array) });
    const stop = swapped.onCall(() => {
      throw new Error("a failing listener changes nothing");
    });
    await expect(swapped.run("query", "messages:list", {})).resolves.toBeDefined();
    stop();
  });
});

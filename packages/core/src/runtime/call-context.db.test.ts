import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import { DatabaseError } from "../errors/database-error.js";
import { isFrameworkError } from "../errors/framework-error.js";
import { anyApi } from "../functions/any-api.js";
import type { UserIdentity } from "../functions/context.js";
import { internalMutationGeneric, internalQueryGeneric, mutationGeneric, queryGeneric } from "../functions/function-builders.js";
import { createRegistrySync } from "../functions/registry.js";
import { createFetchHandler } from "../http/fetch-handler.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { v } from "../values/v.js";
import { callContextOf } from "./call-context.js";
import { createRuntime, type Runtime } from "./runtime.js";

const schema = defineSchema({
  notes: defineTable({ text: v.string() }),
  others: defineTable({ n: v.number() }),
});

/** What after-commit hooks saw, in order. */
const fired: string[] = [];
let attempts = 0;
/** Resolved by the hung handler once it has written, so tests know it holds its transaction. */
let hungStarted: () => void = () => undefined;

const notes = {
  whoAmI: queryGeneric({ args: {}, handler: async (ctx) => ({ outer: await ctx.auth.getUserIdentity(), nested: await ctx.runQuery(anyApi.notes!.whoAmIInner!, {}) }) }),
  whoAmIInner: internalQueryGeneric({ args: {}, handler: (ctx) => ctx.auth.getUserIdentity() }),
  whoAmIMutation: mutationGeneric({ args: {}, handler: async (ctx) => ({ outer: await ctx.auth.getUserIdentity(), nested: await ctx.runMutation(anyApi.notes!.whoAmIMutationInner!, {}) }) }),
  whoAmIMutationInner: internalMutationGeneric({ args: {}, handler: (ctx) => ctx.auth.getUserIdentity() }),
  /** Registers a hook, conflicts on its first attempt, then commits. */
  hookAfterConflict: mutationGeneric({
    args: { tag: v.string() },
    handler: async (ctx, { tag }) => {
      attempts++;
      await ctx.db.insert("notes", { text: tag });
      callContextOf(ctx).afterCommit(() => {
        fired.push(`${tag}:${attempts}`);
      });
      if (attempts === 1) throw new DatabaseError("could not serialize access", { sqlState: "40001" });
      return attempts;
    },
  }),
  /** Registers a hook, then fails: rolled back, the hook never runs. */
  hookThenFail: mutationGeneric({
    args: {},
    handler: async (ctx) => {
      await ctx.db.insert("notes", { text: "doomed" });
      callContextOf(ctx).afterCommit(() => {
        fired.push("doomed");
      });
      throw new Error("boom");
    },
  }),
  /** A nested mutation registers a hook and throws (its savepoint rolls back); the caller goes on. */
  hookInRolledBackSavepoint: mutationGeneric({
    args: {},
    handler: async (ctx) => {
      callContextOf(ctx).afterCommit(() => {
        fired.push("outer");
      });
      await ctx.runMutation(anyApi.notes!.nestedHookThenFail!, {}).catch(() => undefined);
      return null;
    },
  }),
  nestedHookThenFail: internalMutationGeneric({
    args: {},
    handler: (ctx) => {
      callContextOf(ctx).afterCommit(() => {
        fired.push("inner");
      });
      throw new Error("inner fails");
    },
  }),
  add: mutationGeneric({ args: { text: v.string() }, handler: (ctx, { text }) => ctx.db.insert("notes", { text }) }),
  count: queryGeneric({ args: {}, handler: async (ctx) => (await ctx.db.query("notes").collect()).length }),
  /** Writes, then never settles. */
  hang: mutationGeneric({
    args: {},
    handler: async (ctx) => {
      await ctx.db.insert("notes", { text: "hung" });
      hungStarted();
      return new Promise<never>(() => undefined);
    },
  }),
  /** A query that never settles after its first statement. */
  hangQuery: queryGeneric({
    args: {},
    handler: async (ctx) => {
      await ctx.db.query("notes").first();
      return new Promise<never>(() => undefined);
    },
  }),
  /** Every ctx.db method with an id from the caller. */
  useId: mutationGeneric({
    args: { method: v.string(), id: v.string() },
    handler: async (ctx, { method, id }) => {
      const db = ctx.db as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      switch (method) {
        case "get":
          return (await db.get!(id)) === null;
        case "getIn":
          return (await db.get!("notes", id)) === null;
        case "patch":
          await db.patch!(id, { text: "x" });
          return null;
        case "patchIn":
          await db.patch!("notes", id, { text: "x" });
          return null;
        case "replace":
          await db.replace!(id, { text: "x" });
          return null;
        case "replaceIn":
          await db.replace!("notes", id, { text: "x" });
          return null;
        case "delete":
          await db.delete!(id);
          return null;
        case "deleteIn":
          await db.delete!("notes", id);
          return null;
        case "normalizeId":
          return ctx.db.normalizeId("notes", id);
        default:
          throw new Error(`unknown method ${method}`);
      }
    },
  }),
};

const registry = createRegistrySync({ notes });
const db = useTestDatabase();
let runtime: Runtime;

beforeAll(async () => {
  runtime = await createRuntime({ driver: db().driver, schema, registry, ensureStorage: { databaseUrl: db().databaseUrl }, retryDelay: { baseMs: 1, maxMs: 2 }, limits: { timeoutMs: 1500 } });
});

beforeEach(async () => {
  await db().driver.query(`DELETE FROM "notes"; DELETE FROM "others"`);
  fired.length = 0;
  attempts = 0;
});

async function countNotes(): Promise<number> {
  const { rows } = await db().driver.query<{ n: string }>(`SELECT count(*) AS n FROM "notes"`);
  return Number(rows[0]!.n);
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("identity", () => {
  const ada: UserIdentity = { tokenIdentifier: "https://convoy.test|ada", subject: "ada", issuer: "https://convoy.test", name: "Ada" };

  it("is what RunOptions.identity says, in nested runQuery and runMutation too", async () => {
    expect((await runtime.run("query", "notes:whoAmI", {}, { identity: ada })).value).toEqual({ outer: ada, nested: ada });
    expect((await runtime.run("mutation", "notes:whoAmIMutation", {}, { identity: ada })).value).toEqual({ outer: ada, nested: ada });
  });

  it("is null without one", async () => {
    expect((await runtime.run("query", "notes:whoAmI", {})).value).toEqual({ outer: null, nested: null });
    const { value } = await runtime.runHandler("query", (ctx) => ctx.auth.getUserIdentity(), { identity: ada });
    expect(value).toEqual(ada);
  });
});

describe("after-commit hooks", () => {
  it("run once after the commit, only those of the committed attempt", async () => {
    const { value, attempts: tries } = await runtime.run("mutation", "notes:hookAfterConflict", { tag: "a" });
    expect(value).toBe(2);
    expect(tries).toBe(2);
    expect(fired).toEqual(["a:2"]);
  });

  it("never run when the call rolls back", async () => {
    await failure(runtime.run("mutation", "notes:hookThenFail", {}));
    expect(fired).toEqual([]);
    expect(await countNotes()).toBe(0);
  });

  it("registered in a rolled-back savepoint are dropped", async () => {
    await runtime.run("mutation", "notes:hookInRolledBackSavepoint", {});
    expect(fired).toEqual(["outer"]);
  });
});

describe("deadline", () => {
  it("ends a hung mutation with TIMEOUT, rolls it back, and other calls are answered", async () => {
    const started = new Promise<void>((resolve) => {
      hungStarted = resolve;
    });
    const hung = failure(runtime.run("mutation", "notes:hang", {}));
    await started;
    // Calls made while the hung mutation holds its transaction (on PGlite: the one connection).
    const others = Promise.all([runtime.run("mutation", "notes:add", { text: "after" }), runtime.run("query", "notes:count", {})]);
    const error = await hung;
    expect(isFrameworkError(error, "TIMEOUT"), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/mutation "notes:hang" did not finish within its deadline of 1500 ms/);
    const [added, counted] = await others;
    expect(typeof added.value).toBe("string");
    expect([0, 1]).toContain(counted.value);
    // Only the other call's note: the hung mutation's insert was rolled back.
    const { rows } = await db().driver.query<{ text: string }>(`SELECT data->>'text' AS text FROM "notes"`);
    expect(rows.map((row) => row.text)).toEqual(["after"]);
    // The server keeps answering afterwards.
    expect((await runtime.run("query", "notes:count", {})).value).toBe(1);
  });

  it("ends a hung query with TIMEOUT", async () => {
    const error = await failure(runtime.run("query", "notes:hangQuery", {}));
    expect(isFrameworkError(error, "TIMEOUT")).toBe(true);
    expect((await runtime.run("query", "notes:count", {})).value).toBe(0);
  });

  it("answers 504 TIMEOUT over HTTP", async () => {
    const handler = createFetchHandler({ runtime, logger: { error: () => undefined } });
    const response = await handler(new Request("http://x/api/mutation/notes:hang", { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"args":{}}' }));
    expect(response?.status).toBe(504);
    expect(await response?.json()).toEqual({ error: { code: "TIMEOUT", message: expect.stringMatching(/deadline/) } });
    expect(await countNotes()).toBe(0);
  });
});

describe("ids from the caller", () => {
  const errors: unknown[] = [];
  const handler = () => createFetchHandler({ runtime, logger: { error: (_message, error) => errors.push(error) } });
  const methods = ["get", "getIn", "patch", "patchIn", "replace", "replaceIn", "delete", "deleteIn"];

  async function call(method: string, id: string): Promise<{ status: number; body: { error?: { code: string; message: string } } }> {
    const response = (await handler()(
      new Request("http://x/api/mutation/notes:useId", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ args: { method, id } }) }),
    ));
    return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
  }

  it.each(methods)("%s with a malformed id or an id of another table is 400 BAD_REQUEST, writes nothing, logs nothing", async (method) => {
    const keep = (await runtime.run("mutation", "notes:add", { text: "keep" })).value as string;
    const { value: otherId } = await runtime.runHandler("mutation", (ctx) => ctx.db.insert("others", { n: 1 }));
    // A well-formed id whose tag names no table of the schema.
    const unknownTableId = `${keep.slice(0, 20)}zzzzzz`;
    errors.length = 0;
    for (const id of ["nonsense", "", keep.toUpperCase(), `${keep}0`, otherId, unknownTableId]) {
      // The one-argument forms take an id of any table of the schema: `others`' id is valid there.
      if (!method.endsWith("In") && id === otherId) continue;
      const { status, body } = await call(method, id);
      expect(status, `${method}(${JSON.stringify(id)})`).toBe(400);
      expect(body.error?.code).toBe("BAD_REQUEST");
      expect(body.error?.message).toMatch(/invalid argument to db\.(get|patch|replace|delete)/);
    }
    expect(errors).toEqual([]);
    const { rows } = await db().driver.query<{ text: string }>(`SELECT data->>'text' AS text FROM "notes"`);
    expect(rows.map((row) => row.text)).toEqual(["keep"]);
  });

  it("normalizeId answers null for them", async () => {
    const { value: otherId } = await runtime.runHandler("mutation", (ctx) => ctx.db.insert("others", { n: 1 }));
    for (const id of ["nonsense", "", otherId]) expect((await runtime.run("mutation", "notes:useId", { method: "normalizeId", id })).value).toBeNull();
  });
});

import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DatabaseError } from "../errors/database-error.js";
import { anyApi } from "../functions/any-api.js";
import { internalMutationGeneric, mutationGeneric, queryGeneric } from "../functions/function-builders.js";
import { ConvoyError } from "../values/convoy-error.js";
import { createRegistrySync } from "../functions/registry.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { v } from "../values/v.js";
import { ensureStorageFor, useTestDatabase } from "../../test/helpers/test-database.js";
import { createRuntime, type Runtime } from "./runtime.js";

/**
 * Blind writes (inserts, updates of rows already read) may be sent with the next statement or
 * with COMMIT (the pg driver pipelines them): a later read still sees them, and a write the
 * database refuses still fails the mutation and leaves nothing behind, on both drivers.
 */
const schema = defineSchema({ notes: defineTable({ text: v.string() }).index("by_text", ["text"]) });
const registry = createRegistrySync({
  notes: {
    addMany: mutationGeneric({
      args: { texts: v.array(v.string()) },
      handler: async (ctx, { texts }) => {
        for (const text of texts) await ctx.db.insert("notes", { text });
      },
    }),
    addThenRead: mutationGeneric({
      args: { text: v.string() },
      handler: async (ctx, { text }) => {
        const id = await ctx.db.insert("notes", { text });
        const byId = await ctx.db.get(id);
        const byIndex = await ctx.db.query("notes").withIndex("by_text", (q) => q.eq("text", text)).collect();
        await ctx.db.patch(id, { text: `${text}!` });
        const patched = await ctx.db.query("notes").withIndex("by_text", (q) => q.eq("text", `${text}!`)).unique();
        return { byId: byId?.text ?? null, byIndex: byIndex.length, patched: patched?._id === id };
      },
    }),
    catches: mutationGeneric({
      args: { text: v.string() },
      handler: async (ctx, { text }) => {
        try {
          await ctx.db.insert("notes", { text });
        } catch {
          // swallowed: the mutation must fail all the same
        }
        return "swallowed";
      },
    }),
    /** A nested mutation inserts what the database refuses, then throws; the caller catches that and goes on. */
    nestedRollback: mutationGeneric({
      args: {},
      handler: async (ctx) => {
        try {
          await ctx.runMutation(anyApi.notes!.insertThenThrow!, {});
        } catch {
          // the nested mutation's savepoint is rolled back
        }
        await ctx.db.insert("notes", { text: "kept" });
      },
    }),
    insertThenThrow: internalMutationGeneric({
      args: {},
      handler: async (ctx) => {
        await ctx.db.insert("notes", { text: "boom" });
        throw new ConvoyError("changed my mind");
      },
    }),
    count: queryGeneric({ args: {}, handler: async (ctx) => (await ctx.db.query("notes").collect()).length }),
  },
});

const db = useTestDatabase();
let runtime: Runtime;

beforeAll(async () => {
  runtime = await createRuntime({ driver: db().driver, schema, registry, ensureStorage: ensureStorageFor(db().driver) });
  // A refusal only the database knows of (a trigger, like a CHECK constraint added by hand).
  await db().driver.query(`CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.data->>'text' = 'boom' THEN RAISE EXCEPTION 'boom refused'; END IF; RETURN NEW; END $$`);
  await db().driver.query(`CREATE TRIGGER refuse_boom BEFORE INSERT OR UPDATE ON "notes" FOR EACH ROW EXECUTE FUNCTION refuse_boom()`);
});
beforeEach(async () => {
  await db().driver.query(`DELETE FROM "notes"`);
});

async function failure(run: Promise<unknown>): Promise<unknown> {
  return run.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );
}

describe("deferred writes", () => {
  it("a read after an insert and a patch sees them", async () => {
    const { value } = await runtime.run("mutation", "notes:addThenRead", { text: "hello" });
    expect(value).toEqual({ byId: "hello", byIndex: 1, patched: true });
  });

  it("an insert the database refuses, after one it accepted, fails the mutation with its error; nothing is stored", async () => {
    const error = await failure(runtime.run("mutation", "notes:addMany", { texts: ["fine", "boom"] }));
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).sqlState).toBe("P0001");
    expect((error as DatabaseError).message).toContain("boom refused");
    expect((await runtime.run("query", "notes:count", {})).value).toBe(0);
  });

  it("a refused insert followed by a read fails at the read with the insert's error; nothing is stored", async () => {
    const error = await failure(runtime.run("mutation", "notes:addThenRead", { text: "boom" }));
    expect((error as DatabaseError).sqlState).toBe("P0001");
    expect((await runtime.run("query", "notes:count", {})).value).toBe(0);
  });

  it("a write of a nested mutation that rolls back is undone, not sent: the caller's own writes commit", async () => {
    await runtime.run("mutation", "notes:nestedRollback", {});
    expect((await runtime.run("query", "notes:count", {})).value).toBe(1);
  });

  it("a refused insert the handler catches still fails the mutation; nothing is stored", async () => {
    const error = await failure(runtime.run("mutation", "notes:catches", { text: "boom" }));
    // pg: the insert's own error (it was sent with COMMIT); PGlite: the aborted commit
    expect(error).toBeInstanceOf(DatabaseError);
    expect(["P0001", "25P02"]).toContain((error as DatabaseError).sqlState);
    expect((await runtime.run("query", "notes:count", {})).value).toBe(0);
    await runtime.run("mutation", "notes:addMany", { texts: ["after"] });
    expect((await runtime.run("query", "notes:count", {})).value).toBe(1);
  });
});

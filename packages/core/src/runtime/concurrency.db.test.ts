import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import { DatabaseError } from "../errors/database-error.js";
import { mutationGeneric } from "../functions/function-builders.js";
import { createRegistrySync } from "../functions/registry.js";
import { v } from "../values/v.js";
import { newCreationTime, newId } from "../storage/ids.js";
import * as counters from "../test/fixtures/convoy/counters.js";
import schema from "../test/fixtures/convoy/schema.js";
import { createRuntime, type Runtime } from "./runtime.js";

/** What `readThenWrite` does between its read and its write (set by each test). */
let betweenReadAndWrite: () => Promise<void> = () => Promise.resolve();
let attempts = 0;

const contended = {
  /** Reads a counter, waits at the barrier, then writes it. */
  readThenWrite: mutationGeneric({
    args: { name: v.string() },
    handler: async (ctx, { name }) => {
      attempts++;
      const counter = await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", name)).unique();
      if (counter === null) throw new Error(`no counter ${name}`);
      await betweenReadAndWrite();
      await ctx.db.patch("counters", counter._id, { value: (counter.value as number) + 1 });
      return attempts;
    },
  }),
};

/** Resolves once both demotions of the write-skew test have read the admins (pg only). */
let bothRead: Promise<void> = Promise.resolve();
let readOne: () => void = () => undefined;

const admins = {
  /**
   * Demotes an admin unless that would leave none: a read of the set, then a write to one row.
   * Two concurrent demotions of different admins are the classic write skew that snapshot
   * isolation allows (both see two admins, both demote) and SERIALIZABLE forbids.
   */
  demote: mutationGeneric({
    args: { name: v.string() },
    handler: async (ctx, { name }) => {
      const current = await ctx.db.query("users").filter((q) => q.eq(q.field("admin"), true)).collect();
      readOne();
      await bothRead;
      const me = current.find((user) => user.name === name);
      if (me === undefined || current.length < 2) return false;
      await ctx.db.patch("users", me._id, { admin: false });
      return true;
    },
  }),
};

const registry = createRegistrySync({ counters, contended, admins });
const db = useTestDatabase();
let runtime: Runtime;

beforeAll(async () => {
  runtime = await createRuntime({ driver: db().driver, schema, registry, ensureStorage: { databaseUrl: db().databaseUrl } });
});

async function counterValues(): Promise<Record<string, number>> {
  const { rows } = await db().driver.query<{ name: string; value: number }>(
    `SELECT data->>'name' AS name, (data->>'value')::float8 AS value FROM "counters" ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.value]));
}

describe("concurrent mutations", () => {
  it("400 concurrent increments over 4 counters lose no update", async () => {
    const names = ["a", "b", "c", "d"];
    const calls = Array.from({ length: 400 }, (_, index) => runtime.run("mutation", "counters:increment", { name: names[index % 4]! }));
    const results = await Promise.all(calls);
    expect(await counterValues()).toEqual({ a: 100, b: 100, c: 100, d: 100 });
    // Every increment saw a distinct value of its counter: 1..100 each.
    const seen = names.map((name) =>
      results
        .filter((_, index) => names[index % 4] === name)
        .map((result) => result.value as number)
        .sort((x, y) => x - y),
    );
    for (const values of seen) expect(values).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const retried = results.filter((result) => result.attempts > 1).length;
    if (db().kind === "pg") {
      // Real concurrency (a pool of connections): conflicts happened and were retried.
      expect(retried).toBeGreaterThan(0);
    } else {
      // PGlite has one connection: transactions are serialized, so nothing ever conflicts.
      expect(retried).toBe(0);
    }
  });

  it("a conflict on every attempt ends in CONFLICT after maxAttempts", async () => {
    await db().driver.query(`DELETE FROM "counters"`);
    await runtime.run("mutation", "counters:increment", { name: "hot", by: 10 });
    const strict = await createRuntime({ driver: db().driver, schema, registry, maxAttempts: 2, retryDelay: { baseMs: 1, maxMs: 1 } });
    attempts = 0;
    if (db().kind === "pg") {
      // Between the mutation's read and its write, another connection commits a change to the
      // same row: SERIALIZABLE must refuse the write (SQLSTATE 40001), on every attempt.
      betweenReadAndWrite = async () => {
        await db().driver.query(`UPDATE "counters" SET data = jsonb_set(data, '{value}', to_jsonb((data->>'value')::float8 + 100)) WHERE data->>'name' = 'hot'`);
      };
      const error: unknown = await strict.run("mutation", "contended:readThenWrite", { name: "hot" }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: "CONFLICT" });
      expect((error as Error).message).toMatch(/after 2 attempts \(SQLSTATE 40001\)/);
      expect((error as Error).cause).toBeInstanceOf(DatabaseError);
      expect(attempts).toBe(2);
      // The concurrent writes committed; the mutation's own write never did.
      expect(await counterValues()).toEqual({ hot: 210 });
    } else {
      // One connection: a concurrent writer can only run before or after the mutation, so the
      // read-then-write never conflicts and succeeds on its first attempt.
      betweenReadAndWrite = () => Promise.resolve();
      const other = db().driver.query(`UPDATE "counters" SET data = jsonb_set(data, '{value}', '100') WHERE data->>'name' = 'hot'`);
      const result = await strict.run("mutation", "contended:readThenWrite", { name: "hot" });
      await other;
      expect(result.attempts).toBe(1);
      expect(attempts).toBe(1);
      const final = (await counterValues()).hot;
      expect([100, 101]).toContain(final);
    }
    betweenReadAndWrite = () => Promise.resolve();
  });

  it("after the conflicting writer stops, the same mutation succeeds by retrying", async () => {
    attempts = 0;
    let interfere = db().kind === "pg";
    betweenReadAndWrite = async () => {
      if (!interfere) return;
      interfere = false; // only the first attempt is disturbed
      await db().driver.query(`UPDATE "counters" SET data = jsonb_set(data, '{value}', '0') WHERE data->>'name' = 'hot'`);
    };
    const result = await runtime.run("mutation", "contended:readThenWrite", { name: "hot" });
    expect(result.attempts).toBe(db().kind === "pg" ? 2 : 1);
    const expected = db().kind === "pg" ? 1 : (await counterValues()).hot;
    expect((await counterValues()).hot).toBe(expected);
    betweenReadAndWrite = () => Promise.resolve();
  });

  it("write skew stays impossible: of two concurrent demotions that each keep one admin, exactly one commits", async () => {
    for (let round = 0; round < 5; round++) {
      await db().driver.query(`DELETE FROM "users"`);
      for (const name of ["ada", "bob"]) {
        await db().driver.query(`INSERT INTO "users" ("_id", "_creation_time", "data") VALUES ($1, $2, $3::jsonb)`, [
          newId("users"),
          newCreationTime(),
          JSON.stringify({ name, admin: true }),
        ]);
      }
      if (db().kind === "pg") {
        // Both first attempts read before either writes (PGlite runs one transaction at a time,
        // so there the calls simply run one after the other).
        let reads = 0;
        bothRead = new Promise<void>((resolve) => {
          readOne = () => {
            if (++reads === 2) resolve();
          };
        });
      }
      const results = await Promise.all(["ada", "bob"].map((name) => runtime.run("mutation", "admins:demote", { name })));
      bothRead = Promise.resolve();
      readOne = () => undefined;
      expect(results.map((result) => result.value).sort()).toEqual([false, true]);
      const { rows } = await db().driver.query<{ n: string }>(`SELECT count(*) AS n FROM "users" WHERE (data->>'admin')::boolean`);
      expect(Number(rows[0]!.n)).toBe(1);
      if (db().kind === "pg") expect(results.some((result) => result.attempts > 1)).toBe(true);
    }
  });
});

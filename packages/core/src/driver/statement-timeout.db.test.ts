import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import { DatabaseError } from "../errors/database-error.js";
import { FrameworkError } from "../errors/framework-error.js";
import { createRegistrySync } from "../functions/registry.js";
import { mutationGeneric, queryGeneric } from "../functions/function-builders.js";
import { createRuntime } from "../runtime/runtime.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { v } from "../values/v.js";
import { createDriver } from "./create-driver.js";
import type { Driver, TransactionOptions } from "./driver.js";

const db = useTestDatabase();

describe("statement_timeout", () => {
  it("is set with BEGIN from TransactionOptions.statementTimeoutMs on real Postgres; PGlite, which cannot enforce it, is not sent it", async () => {
    const { rows } = await db().driver.transaction({ isolation: "serializable", statementTimeoutMs: 1234 }, (tx) => tx.query<{ statement_timeout: string }>("SHOW statement_timeout"));
    expect(rows[0]!.statement_timeout).toBe(db().kind === "pg" ? "1234ms" : "0");
  });

  it("ends a statement that runs longer on real Postgres; PGlite cannot interrupt one (documented)", async () => {
    const outcome = await db()
      .driver.transaction({ statementTimeoutMs: 50 }, (tx) => tx.query("SELECT pg_sleep(0.5)"))
      .catch((caught: unknown) => caught);
    if (db().kind === "pglite") {
      expect(outcome).toMatchObject({ rows: [expect.any(Object)] });
      return;
    }
    expect(outcome).toBeInstanceOf(DatabaseError);
    expect((outcome as DatabaseError).sqlState).toBe("57014");
    expect((outcome as DatabaseError).code).toBe("TIMEOUT");
  });

  it("is the pool default of createDriver on real Postgres", async () => {
    // PGlite has no pool, and no timeout (test above).
    if (db().kind !== "pg") return;
    const driver = await createDriver({ databaseUrl: db().databaseUrl!, statementTimeoutMs: 4321 });
    const fallback = await createDriver({ databaseUrl: db().databaseUrl! });
    try {
      expect((await driver.query<{ statement_timeout: string }>("SHOW statement_timeout")).rows[0]!.statement_timeout).toBe("4321ms");
      expect((await fallback.query<{ statement_timeout: string }>("SHOW statement_timeout")).rows[0]!.statement_timeout).toBe("30s");
    } finally {
      await driver.close();
      await fallback.close();
    }
  });

  it("of a runtime transaction is bounded by the call's time left", async () => {
    const seen: TransactionOptions[] = [];
    const inner = db().driver;
    const observed: Driver = {
      kind: inner.kind,
      query: (sql, params) => inner.query(sql, params),
      transaction: (options, fn) => {
        seen.push(options);
        return inner.transaction(options, fn);
      },
      listen: (channel, handler) => inner.listen(channel, handler),
      notify: (channel, payload) => inner.notify(channel, payload),
      close: () => inner.close(),
    };
    const schema = defineSchema({ timed: defineTable({ n: v.number() }) });
    const registry = createRegistrySync({
      timed: {
        add: mutationGeneric({ args: {}, handler: (ctx) => ctx.db.insert("timed", { n: 1 }) }),
        twoReads: queryGeneric({ args: {}, handler: async (ctx) => [await ctx.db.query("timed").first(), await ctx.db.query("timed").count()] }),
      },
    });
    const runtime = await createRuntime({ driver: observed, schema, registry, ensureStorage: { databaseUrl: db().databaseUrl }, limits: { timeoutMs: 2000, statementTimeoutMs: 60_000 } });
    seen.length = 0; // what createRuntime itself ran
    await runtime.run("mutation", "timed:add", {});
    await runtime.run("query", "timed:twoReads", {});
    expect(seen).toHaveLength(2);
    for (const options of seen) {
      expect(options.statementTimeoutMs).toBeGreaterThan(0);
      expect(options.statementTimeoutMs).toBeLessThanOrEqual(2000);
      expect(options.deadline?.expiredError).toBeUndefined();
      expect(typeof options.deadline?.untilExpired).toBe("function");
    }
    expect(seen.map((options) => options.isolation)).toEqual(["serializable", "repeatable read"]);
  });

  it("rejects a negative value", async () => {
    await expect(db().driver.transaction({ statementTimeoutMs: -1 }, () => Promise.resolve())).rejects.toThrow(FrameworkError);
  });
});

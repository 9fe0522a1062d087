import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgDriver } from "../../src/driver/index.js";
import { createRegistrySync, mutationGeneric, queryGeneric } from "../../src/functions/index.js";
import { createServer } from "../../src/http/index.js";
import { createRuntime } from "../../src/runtime/index.js";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import { v } from "../../src/values/index.js";
import { useTestDatabase } from "../helpers/test-database.js";

const schema = defineSchema({ items: defineTable({ n: v.number() }).index("by_n", ["n"]) });
const registry = createRegistrySync({
  items: {
    add: mutationGeneric({ args: { n: v.number() }, handler: (ctx, { n }) => ctx.db.insert("items", { n }) }),
    count: queryGeneric({ args: {}, handler: (ctx) => ctx.db.query("items").count() }),
  },
});

/**
 * The database's connections are killed (`pg_terminate_backend`) again and again while clients
 * keep sending mutations: requests fail with 503 `UNAVAILABLE` meanwhile (never another 5xx),
 * succeed again afterwards without a restart, and no acknowledged write is lost.
 */
describe("database connections lost under load", () => {
  const db = useTestDatabase();
  let url = "";
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const driver = db().kind === "pg" ? await createPgDriver({ connectionString: db().databaseUrl!, max: 8 }) : db().driver;
    const runtime = await createRuntime({ driver, schema, registry, ensureStorage: { databaseUrl: db().databaseUrl } });
    const server = createServer({ runtime });
    await new Promise<void>((resolve) => server.listen(0, resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (driver !== db().driver) await driver.close();
    };
  });
  afterAll(() => close());

  const add = async (n: number) => {
    const response = await fetch(`${url}/api/mutation/items:add`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ args: { n } }) });
    const body = (await response.json()) as { error?: { code: string } };
    return { status: response.status, code: body.error?.code };
  };

  it("answers 503 while connections die, recovers by itself, and loses no acknowledged write", async () => {
    const acknowledged: number[] = [];
    const failures: { status: number; code: string | undefined }[] = [];
    let next = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const n = next++;
        const result = await add(n);
        if (result.status === 200) acknowledged.push(n);
        else failures.push(result);
      }
    };
    const workers = Array.from({ length: 6 }, worker);

    await new Promise((r) => setTimeout(r, 300));
    if (db().kind === "pg") {
      // kill every connection of this database, repeatedly, for a second
      const admin = await createPgDriver({ connectionString: process.env.DATABASE_URL_TEST ?? "postgres://postgres@127.0.0.1:5432/postgres", max: 1 });
      const name = new URL(db().databaseUrl!).pathname.slice(1);
      const until = Date.now() + 1000;
      while (Date.now() < until) {
        await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
        await new Promise((r) => setTimeout(r, 30));
      }
      await admin.close();
    }
    await new Promise((r) => setTimeout(r, 800));
    stop = true;
    await Promise.all(workers);

    // after the storm: every request succeeds again
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => add(1_000_000 + i)));
    expect(after.map((r) => r.status)).toEqual(Array(20).fill(200));

    for (const failure of failures) expect(failure).toEqual({ status: 503, code: "UNAVAILABLE" });
    if (db().kind === "pg") expect(failures.length).toBeGreaterThan(0);
    else expect(failures).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(0);

    const { rows } = await db().driver.query<{ n: number }>("SELECT (data->>'n')::float8 AS n FROM items");
    const stored = new Set(rows.map((r) => r.n));
    const lost = acknowledged.filter((n) => !stored.has(n));
    expect(lost).toEqual([]);
  });
});

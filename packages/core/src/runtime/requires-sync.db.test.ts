import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import { FrameworkError } from "../errors/framework-error.js";
import { createRegistrySync } from "../functions/registry.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { ensureSchema } from "../schema-sync/ensure-schema.js";
import { v } from "../values/v.js";
import { createRuntime } from "./runtime.js";

const messages = defineTable({ author: v.string(), body: v.string() }).index("by_author", ["author"]);
const full = defineSchema({ messages, users: defineTable({ name: v.string() }) });
const registry = createRegistrySync({});

/** Every schema, relation and function outside the system catalogs: what DDL would change. */
async function userObjects(q: { query: (sql: string) => Promise<{ rows: unknown[] }> }): Promise<unknown[]> {
  const { rows } = await q.query(
    `SELECT 'schema' AS kind, nspname AS name FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
     UNION ALL
     SELECT 'relation', n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
     UNION ALL
     SELECT 'function', n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
     ORDER BY 1, 2`,
  );
  return rows;
}

async function refusal(promise: Promise<unknown>): Promise<FrameworkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FrameworkError);
  return error as FrameworkError;
}

describe("createRuntime without `convoy sync` (no DDL at boot)", () => {
  const db = useTestDatabase();

  it("refuses a database without Convoy's bookkeeping, telling to run convoy sync, and creates nothing", async () => {
    const before = await userObjects(db().driver);
    const error = await refusal(createRuntime({ driver: db().driver, schema: full, registry }));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toContain("no Convoy bookkeeping");
    expect(error.message).toContain("convoy sync");
    expect(await userObjects(db().driver)).toEqual(before);
  });

  it("names the tables and indexes the database lacks, and creates none of them", async () => {
    // The database is synced to an older schema: no `users`, no `messages.by_author`.
    await ensureSchema({ driver: db().driver, databaseUrl: db().databaseUrl }, defineSchema({ messages: defineTable({ author: v.string(), body: v.string() }) }));
    const before = await userObjects(db().driver);
    const error = await refusal(createRuntime({ driver: db().driver, schema: full, registry }));
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toContain("index messages.by_author");
    expect(error.message).toContain("table users");
    expect(error.message).toContain("convoy sync");
    expect(await userObjects(db().driver)).toEqual(before);
  });

  it("starts once the database is synced", async () => {
    await ensureSchema({ driver: db().driver, databaseUrl: db().databaseUrl }, full);
    const before = await userObjects(db().driver);
    const runtime = await createRuntime({ driver: db().driver, schema: full, registry });
    await runtime.runHandler("mutation", (ctx) => ctx.db.insert("users", { name: "ada" }));
    expect(await userObjects(db().driver)).toEqual(before);
  });
});

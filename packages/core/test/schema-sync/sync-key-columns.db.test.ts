import { describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/index.js";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import { canonicalJson } from "../../src/schema/canonical-json.js";
import { commentIndexSql } from "../../src/schema-sync/ddl.js";
import { formatPlan, syncSchema } from "../../src/schema-sync/index.js";
import { AccessLog } from "../../src/storage/access-log.js";
import { loadCatalog } from "../../src/storage/load-catalog.js";
import { loadCursorSecret, requireStorage } from "../../src/storage/storage-check.js";
import { v } from "../../src/values/v.js";
import { useTestDatabase } from "../helpers/test-database.js";
import { insertDocuments, syncDriver } from "./sync-helpers.js";

const schema = defineSchema({
  messages: defineTable({ author: v.string(), body: v.string(), profile: v.optional(v.object({ city: v.string() })) })
    .index("by_author", ["author"])
    .index("by_city_author", ["profile.city", "author"]),
});

/** The DDL Convoy ran before key columns: indexes over `convoy.sort_key_v1(<field>)` expressions, with their recorded definitions. */
const OLD_LAYOUT = [
  `CREATE TABLE "public"."messages" ("_id" text COLLATE "C" PRIMARY KEY, "_creation_time" double precision NOT NULL, "data" jsonb NOT NULL)`,
  `INSERT INTO convoy.tables (pg_schema, table_name) VALUES ('public', 'messages')`,
  ...[
    { index: "by_creation_time", fields: [] as string[], definition: `"_creation_time", "_id"` },
    { index: "by_author", fields: ["author"], definition: `convoy.sort_key_v1("data"->'author'), "_creation_time", "_id"` },
    { index: "by_city_author", fields: ["profile.city", "author"], definition: `convoy.sort_key_v1("data"->'profile'->'city'), convoy.sort_key_v1("data"->'author'), "_creation_time", "_id"` },
  ].flatMap(({ index, fields, definition }) => [
    `CREATE INDEX "messages__${index}" ON "public"."messages" (${definition})`,
    commentIndexSql("public", `messages__${index}`, { convoy: 1, table: "messages", index, fields, definition }),
  ]),
];

describe("convoy sync: migrating a database of the expression-index layout to key columns", () => {
  const db = useTestDatabase();

  it("adds the key columns in one step, replaces the indexes, keeps every document, and is then up to date", async () => {
    const session = await syncDriver(db());
    try {
      // the bookkeeping through sync, then the table as the previous Convoy built it, at the same schema
      expect((await syncSchema(session.driver, defineSchema({}))).outcome).toBe("applied");
      for (const sql of OLD_LAYOUT) await db().driver.query(sql);
      await db().driver.query(`UPDATE convoy.meta SET value = $2 WHERE key = $1`, ["schema_hash", schema.hash]);
      await db().driver.query(`INSERT INTO convoy.meta (key, value) VALUES ('schema_json', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [canonicalJson(schema.json)]);
      await insertDocuments(db().driver, "messages", [
        { author: "bob", body: "1", profile: { city: "Oslo" } },
        { author: "ada", body: "2" },
        { author: "ada", body: "3", profile: { city: "Oslo" } },
      ]);

      // the runtime refuses the old layout, naming what is missing
      const catalog = await loadCatalog(db().driver, schema);
      await expect(requireStorage(db().driver, catalog)).rejects.toThrow(/key column messages\._key_author_6fa4dac9 .*run `convoy sync`/);

      const dry = await syncSchema(session.driver, schema, { mode: "dry-run" });
      expect(dry.plan.steps.map((step) => step.kind)).toEqual(["add_key_columns", "replace_index", "replace_index", "record_schema"]);
      const text = formatPlan(dry.plan);
      expect(text).toContain("add the generated key columns of messages.author, messages.profile.city (rewrites the table)");
      expect(text).toContain("-- lock: ACCESS EXCLUSIVE on public.messages: reads and writes wait");
      expect(text).toContain(
        `ALTER TABLE "public"."messages" ADD COLUMN IF NOT EXISTS "_key_author_6fa4dac9" bytea GENERATED ALWAYS AS (convoy.sort_key_v1("data"->'author')) STORED, ADD COLUMN IF NOT EXISTS "_key_profile_city_26982359" bytea GENERATED ALWAYS AS (convoy.sort_key_v1("data"->'profile'->'city')) STORED;`,
      );

      const applied = await syncSchema(session.driver, schema);
      expect(applied.outcome).toBe("applied");
      const { rows } = await db().driver.query<{ name: string; def: string; valid: boolean }>(
        `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def, x.indisvalid AS valid FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = 'public.messages'::regclass ORDER BY 1`,
      );
      expect(rows.map((row) => [row.name, row.def.slice(row.def.indexOf("USING")), row.valid])).toEqual([
        ["messages__by_author", "USING btree (_key_author_6fa4dac9, _creation_time, _id)", true],
        ["messages__by_city_author", "USING btree (_key_profile_city_26982359, _key_author_6fa4dac9, _creation_time, _id)", true],
        ["messages__by_creation_time", "USING btree (_creation_time, _id)", true],
        ["messages_pkey", "USING btree (_id)", true],
      ]);
      expect((await syncSchema(session.driver, schema)).outcome).toBe("up-to-date");

      // the runtime now serves it, and the new indexes find the existing documents
      await requireStorage(db().driver, catalog);
      const cursorSecret = await loadCursorSecret(db().driver);
      const found = await db().driver.transaction({ isolation: "serializable" }, async (tx) => {
        const ctx = createDatabase({ tx, catalog, log: new AccessLog(), writable: false, cursorSecret });
        return {
          ada: (await ctx.query("messages").withIndex("by_author", (q) => q.eq("author", "ada")).collect()).map((doc) => doc.body),
          oslo: (await ctx.query("messages").withIndex("by_city_author", (q) => q.eq("profile.city", "Oslo")).collect()).map((doc) => doc.author),
          noCity: await ctx.query("messages").withIndex("by_city_author", (q) => q.eq("profile.city", undefined)).count(),
        };
      });
      expect(found).toEqual({ ada: ["2", "3"], oslo: ["ada", "bob"], noCity: 1 });
    } finally {
      await session.close();
    }
  });
});

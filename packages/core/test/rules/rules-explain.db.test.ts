import { beforeAll, describe, expect, it } from "vitest";
import { identityFromTestClaims } from "../../src/auth/user-identity.js";
import { createDatabase, type DatabaseImpl } from "../../src/db/index.js";
import { RulesEngine } from "../../src/rules/index.js";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import { defineRulesGeneric } from "../../src/server/rules.js";
import { AccessLog } from "../../src/storage/access-log.js";
import { createCatalog } from "../../src/storage/catalog.js";
import { newId } from "../../src/storage/ids.js";
import { loadCursorSecret } from "../../src/storage/storage-check.js";
import { ensureSchema } from "../../src/schema-sync/ensure-schema.js";
import { v } from "../../src/values/index.js";
import { recordingQueryable } from "../db/harness.js";
import { useTestDatabase } from "../helpers/test-database.js";

/**
 * A filter-expression read rule is ANDed into the statement: on a table large enough that the
 * planner would otherwise scan it, an indexed read under the rule still walks the index (real
 * server: no Seq Scan, no Sort), and `get` stays a primary-key lookup.
 */
const schema = defineSchema({
  big: defineTable({ owner: v.string(), public: v.boolean(), rank: v.number() }).index("by_owner_rank", ["owner", "rank"]).index("by_rank", ["rank"]),
});
const rules = defineRulesGeneric({
  big: { read: { filter: (q, identity) => q.or(q.eq(q.field("public"), true), q.eq(q.field("owner"), identity?.subject ?? null)) } },
});
const database = useTestDatabase();
const catalog = createCatalog(schema);
let cursorSecret = "";
let firstId = "";

beforeAll(async () => {
  const { driver, databaseUrl } = database();
  await ensureSchema({ driver, databaseUrl }, schema);
  cursorSecret = await loadCursorSecret(driver);
  await driver.query(`INSERT INTO "public"."big" ("_id", "_creation_time", "data")
    SELECT lpad(i::text, 26, '0'), 1700000000000 + i, jsonb_build_object('owner', 'u' || (i % 100), 'public', i % 10 = 0, 'rank', (i * 7919) % 1000)
    FROM generate_series(1, 20000) AS i`);
  await driver.query(`ANALYZE "public"."big"`);
  firstId = newId("big");
  await driver.query(`INSERT INTO "public"."big" ("_id", "_creation_time", "data") VALUES ($1, 1800000000000, '{"owner":"u7","public":false,"rank":1}')`, [firstId]);
});

/** Runs `fn` on a ctx.db under the rules for user `u7`; returns each statement with its plan. */
async function plans(fn: (db: DatabaseImpl) => Promise<unknown>): Promise<{ sql: string; plan: string }[]> {
  const statements: { sql: string; params: readonly unknown[] }[] = [];
  const { driver } = database();
  const engine = RulesEngine.create(rules, catalog);
  await driver.transaction({ isolation: "repeatable read", readOnly: true }, async (raw) => {
    const tx = recordingQueryable(raw, statements);
    const options = { tx, catalog, log: new AccessLog(), writable: false, cursorSecret };
    const callRules = engine.bind(identityFromTestClaims({ subject: "u7" }), () => createDatabase(options));
    return fn(createDatabase({ ...options, rules: callRules }));
  });
  const out = [];
  for (const statement of statements) {
    const { rows } = await driver.query<{ "QUERY PLAN": string }>(`EXPLAIN ${statement.sql}`, statement.params);
    out.push({ sql: statement.sql, plan: rows.map((row) => row["QUERY PLAN"]).join("\n") });
  }
  return out;
}

const isPostgres = () => database().kind === "pg";

describe("EXPLAIN under a filter-expression read rule", () => {
  it("an indexed take(n) ANDs the rule into the WHERE and walks the index", async () => {
    const [statement] = await plans((db) => db.query("big").withIndex("by_owner_rank", (q) => q.eq("owner", "u7").gt("rank", 100)).take(20));
    expect(statement!.sql).toMatch(/WHERE "_key_owner_25693877" = \$1 AND .* AND \(CASE WHEN .*"data"->'public'.* THEN TRUE ELSE .*("data"->'owner'|"_key_owner_25693877").* END\) ORDER BY .* LIMIT 20$/);
    if (isPostgres()) {
      expect(statement!.plan).toMatch(/Index (Only )?Scan( Backward)? using big__by_owner_rank/);
      expect(statement!.plan).not.toMatch(/Seq Scan|Sort/);
    } else expect(statement!.plan).toContain("Limit");
  });

  it("paginate and count keep the index", async () => {
    const statements = await plans(async (db) => {
      const page = await db.query("big").withIndex("by_rank", (q) => q.gte("rank", 500)).paginate({ numItems: 10, cursor: null });
      await db.query("big").withIndex("by_rank", (q) => q.gte("rank", 500)).paginate({ numItems: 10, cursor: page.continueCursor });
      await db.query("big").withIndex("by_owner_rank", (q) => q.eq("owner", "u7")).count();
    });
    expect(statements).toHaveLength(3);
    for (const statement of statements) {
      expect(statement.sql).toContain(`THEN TRUE ELSE`);
      if (isPostgres()) expect(statement.plan).not.toMatch(/Seq Scan|Sort/);
    }
    if (isPostgres()) {
      expect(statements[0]!.plan).toMatch(/using big__by_rank/);
      expect(statements[2]!.plan).toMatch(/big__by_owner_rank/);
    }
  });

  it("get is one primary-key lookup that evaluates the rule in the same statement", async () => {
    let found: unknown;
    const [statement] = await plans(async (db) => (found = await db.get("big", firstId)));
    expect(found).toMatchObject({ owner: "u7" });
    expect(statement!.sql).toMatch(/AS "_convoy_passes" FROM "public"\."big" WHERE "_id" = \$\d+/);
    if (isPostgres()) expect(statement!.plan).not.toMatch(/Seq Scan/);
  });
});

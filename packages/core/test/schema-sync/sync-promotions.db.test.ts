import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Driver } from "../../src/driver/index.js";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import {
  describeApplied,
  effectiveSchema,
  formatPlan,
  formatResult,
  loadEffectiveSchema,
  readSchemaHash,
  recordSchemaHash,
  schemaMismatch,
  switchedIn,
  syncSchema,
} from "../../src/schema-sync/index.js";
import { loadCatalog } from "../../src/storage/load-catalog.js";
import {
  PROMOTIONS_TABLE,
  addPromotedColumnSql,
  columnFromDocumentSql,
  createPromotedIndexSql,
  loadPromotions,
  promotedIndexName,
  promotionTriggerSql,
} from "../../src/storage/promoted-column.js";
import { requireStorage } from "../../src/storage/storage-check.js";
import { keyColumnName } from "../../src/storage/table-storage.js";
import { v } from "../../src/values/v.js";
import { useTestDatabase } from "../helpers/test-database.js";
import { insertDocuments, syncDriver } from "./sync-helpers.js";

/*
 * `convoy sync` and `convoy start`'s check with promotions (design §8): a declared promotion is
 * left pending (with the hint) and the database records the effective schema; code declaring
 * it starts before the switch; after the switch the full schema is the database's, sync keeps
 * (and builds) the column-backed indexes, and after `--finish` it no longer wants the key
 * column and its index back.
 */
const fields = { author: v.string(), body: v.string(), score: v.optional(v.number()) };
const plain = defineSchema({ posts: defineTable(fields).index("by_author", ["author"]) });
const declared = defineSchema({ posts: defineTable(fields).index("by_author", ["author"]).columns(["author"]) });
const grown = defineSchema({ posts: defineTable(fields).index("by_author", ["author"]).index("by_author_score", ["author", "score"]).columns(["author"]) });

const db = useTestDatabase();
let session: { driver: Driver; close(): Promise<void> };

beforeAll(async () => {
  session = await syncDriver(db());
});
afterAll(async () => {
  await session.close();
});

async function indexNames(): Promise<string[]> {
  const { rows } = await db().driver.query<{ name: string }>(`SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'posts' ORDER BY 1`);
  return rows.map((row) => row.name);
}

/** What `convoy promote` does, by hand: expand, trigger, backfill, column-backed index, switch (state + full hash in one transaction). */
async function promoteAuthor(): Promise<void> {
  const q = db().driver;
  await q.query(addPromotedColumnSql("public", "posts", "author", "text"));
  for (const sql of promotionTriggerSql("public", "posts", "author", "text")) await q.query(sql);
  await q.query(`UPDATE posts SET author = ${columnFromDocumentSql("text", "data->'author'")}`);
  await q.query(createPromotedIndexSql("public", "posts", { name: "by_author", fields: ["author"] }, new Map([["author", "text"]])));
  await q.query(`INSERT INTO ${PROMOTIONS_TABLE} (pg_schema, table_name, field, column_type, state) VALUES ('public', 'posts', 'author', 'text', 'verified')`);
  await q.transaction({ isolation: "serializable" }, async (tx) => {
    await tx.query(`UPDATE ${PROMOTIONS_TABLE} SET state = 'switched' WHERE table_name = 'posts' AND field = 'author'`);
    const promotions = await loadPromotions(tx, "public");
    await recordSchemaHash(tx, effectiveSchema(declared, switchedIn(promotions)));
  });
}

describe("sync and start with promotions", () => {
  it("leaves a declared promotion pending, with the hint, and records the effective schema", async () => {
    expect((await syncSchema(session.driver, plain)).outcome).toBe("applied");
    await insertDocuments(db().driver, "posts", [{ author: "ann", body: "x" }, { author: "bob", body: "y", score: -0 }]);
    const dry = await syncSchema(session.driver, declared, { mode: "dry-run" });
    expect(dry.plan.pendingPromotions).toEqual([{ table: "posts", field: "author" }]);
    // nothing else differs: the effective schema is the plain one, already recorded
    expect(dry.plan.schemaHash).toBe(plain.hash);
    expect(dry.outcome).toBe("up-to-date");
    expect(formatPlan(dry.plan)).not.toContain("convoy promote");
    expect(formatResult(dry)).toContain("run `convoy promote posts.author`");

    const result = await syncSchema(session.driver, grown);
    expect(result.outcome).toBe("applied");
    expect(result.plan.pendingPromotions).toEqual([{ table: "posts", field: "author" }]);
    expect(describeApplied(result)).toContain("promotion of posts.author pending (declared in .columns()): run `convoy promote posts.author`");
    const effective = effectiveSchema(grown, () => false);
    expect(effective.json.tables.posts!.columns).toBeUndefined();
    expect(await readSchemaHash(db().driver)).toBe(effective.hash);
    expect(effective.hash).not.toBe(grown.hash);
    expect(await indexNames()).toEqual(["posts__by_author", "posts__by_author_score", "posts__by_creation_time", "posts_pkey"]);
  });

  it("lets code declaring the promotion start before the switch; refuses code of another schema", async () => {
    expect(await schemaMismatch(db().driver, grown)).toBeNull();
    expect(await schemaMismatch(db().driver, grown.hash)).toMatch(/run `convoy sync` first/);
    expect(await schemaMismatch(db().driver, declared)).toMatch(/run `convoy sync` first/);
  });

  it("after the switch: the full schema is recorded; old code is refused; sync keeps and builds the column-backed indexes", async () => {
    expect((await syncSchema(session.driver, declared, { allowDrop: true })).outcome).toBe("applied");
    await promoteAuthor();
    expect(await readSchemaHash(db().driver)).toBe(declared.hash);
    expect(await schemaMismatch(db().driver, declared)).toBeNull();
    expect(await schemaMismatch(db().driver, plain)).toMatch(/run `convoy sync` first/);
    expect((await loadEffectiveSchema(db().driver, declared, "public")).hash).toBe(declared.hash);

    // up to date; the __c index is Convoy's (not kept as unknown, not dropped by --allow-drop)
    const again = await syncSchema(session.driver, declared, { allowDrop: true });
    expect(again.outcome).toBe("up-to-date");
    expect(again.plan.pendingPromotions).toBeUndefined();
    expect(again.plan.kept).toEqual([]);
    expect(await indexNames()).toContain(promotedIndexName("posts", "by_author"));

    // an index added after the switch gets its column-backed twin too, since servers read through it
    const result = await syncSchema(session.driver, grown);
    expect(result.outcome).toBe("applied");
    expect(result.plan.steps.map((step) => step.description)).toEqual([
      "add the generated key column of posts.score (rewrites the table)",
      expect.stringMatching(/^create index posts.by_author_score/),
      expect.stringMatching(/^create the column-backed index posts__by_author_score__c of posts.by_author_score/),
      expect.stringMatching(/^record schema/),
    ]);
    expect(await readSchemaHash(db().driver)).toBe(grown.hash);
    await requireStorage(db().driver, await loadCatalog(db().driver, grown, "public"));
  });

  it("after --finish: neither the key column nor the key-column index is wanted back", async () => {
    const q = db().driver;
    await q.query(`DROP INDEX posts__by_author`);
    await q.query(`DROP INDEX posts__by_author_score`);
    await q.query(`ALTER TABLE posts DROP COLUMN "${keyColumnName("data", "author")}"`);
    await q.query(`UPDATE ${PROMOTIONS_TABLE} SET state = 'finished'`);
    const result = await syncSchema(session.driver, grown, { mode: "dry-run" });
    expect(result.plan.steps).toEqual([]);
    expect(result.plan.kept).toEqual([]);
    await requireStorage(q, await loadCatalog(q, grown, "public"));
  });
});

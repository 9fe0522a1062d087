import { afterAll, describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/index.js";
import type { Driver } from "../../src/driver/index.js";
import { createRegistrySync } from "../../src/functions/registry.js";
import { applyPromotion, preparePromotion, readVerification } from "../../src/promotion/index.js";
import { createRuntime } from "../../src/runtime/runtime.js";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import { ensureSchema } from "../../src/schema-sync/ensure-schema.js";
import { openSyncDriver } from "../../src/schema-sync/index.js";
import { AccessLog } from "../../src/storage/access-log.js";
import { loadCatalog } from "../../src/storage/load-catalog.js";
import { loadPromotions } from "../../src/storage/promoted-column.js";
import { loadCursorSecret } from "../../src/storage/storage-check.js";
import { v } from "../../src/values/index.js";
import { recordingQueryable } from "../db/harness.js";
import { useTestDatabase } from "../helpers/test-database.js";
import { seedDocuments } from "./seed.js";

/**
 * `convoy promote` on a 200k-row table while readers and writers run through Convoy's runtime
 * and through plain SQL (writing the document, and writing the new column): no call fails, no
 * value is lost or stale, the new index is valid, the checksums agree, the table equals a
 * model kept by the writers, and after the switch the index query walks the column's index.
 */
const ROWS = 200_000;
const FROZEN = 20_000; // rows no writer touches: authors f0..f99, what the readers check exactly
const CONVOY_OWNED = 3000; // rows Convoy's writer patches
const schema = defineSchema({
  messages: defineTable({ author: v.string(), body: v.string() }).index("by_author", ["author"]).columns(["author"]),
});

describe("convoy promote under concurrent load (200k rows)", () => {
  const db = useTestDatabase();
  let promoter: Driver | undefined;
  afterAll(async () => {
    await promoter?.close();
  });

  it("promotes online: no failed call, no lost or stale value, valid index, equal checksums, model = table", async () => {
    const { driver, databaseUrl } = db();
    await ensureSchema({ driver, databaseUrl }, schema);
    // most rows in one INSERT … SELECT (26-character hex ids, before any real one); the rows Convoy's
    // writer patches get real ids (ctx.db.patch checks an id's table)
    const author = (i: number) => (i < FROZEN ? `f${String(i % 100)}` : `a${String(i % 1000)}`);
    const sqlId = (i: number) => i.toString(16).padStart(26, "0");
    await driver.query(
      `INSERT INTO "public"."messages" (_id, _creation_time, data)
       SELECT lpad(to_hex(i), 26, '0'), 1700000000000 + i, jsonb_build_object('author', CASE WHEN i < $2 THEN 'f' || (i % 100) ELSE 'a' || (i % 1000) END, 'body', 'body ' || i)
         FROM generate_series(0, $1::int - 1) AS i`,
      [ROWS - CONVOY_OWNED, FROZEN],
    );
    const sqlIds = Array.from({ length: ROWS - CONVOY_OWNED }, (_, i) => sqlId(i));
    const convoyIds = await seedDocuments(driver, "messages", CONVOY_OWNED, (i) => ({ author: `r${String(i % 50)}`, body: `body ${String(i)}` }));
    await driver.query(`ANALYZE "public"."messages"`);
    const model = new Map([...sqlIds.map((id, i) => [id, author(i)] as const), ...convoyIds.map((id, i) => [id, `r${String(i % 50)}`] as const)]);
    const frozenByAuthor = new Map<string, string[]>();
    for (const [i, id] of sqlIds.slice(0, FROZEN).entries()) frozenByAuthor.set(author(i), [...(frozenByAuthor.get(author(i)) ?? []), id]);
    // each writer owns its own rows: the model is exact
    const ownedBySql = [1, 2].map((k) => sqlIds.slice(FROZEN).filter((_, i) => i % 2 === k - 1));

    const runtime = await createRuntime({ driver, schema, registry: createRegistrySync({}) });
    promoter = await openSyncDriver(databaseUrl);
    let done = false;
    let expanded = false;
    const failures: unknown[] = [];
    const counts = { convoyWrites: 0, sqlDocumentWrites: 0, sqlColumnWrites: 0, inserts: 0, reads: 0 };
    const loop = async (body: (n: number) => Promise<void>) => {
      for (let n = 0; !done; n++) {
        try {
          await body(n);
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const convoyWriter = loop(async (n) => {
      const id = convoyIds[n % convoyIds.length]!;
      const value = `c${String(n)}`;
      await runtime.runHandler("mutation", (ctx) => ctx.db.patch(id as never, { author: value }));
      model.set(id, value);
      counts.convoyWrites++;
      if (n % 10 === 0) {
        const inserted = await runtime.runHandler("mutation", (ctx) => ctx.db.insert("messages", { author: `i${String(n)}`, body: "new" }));
        model.set(inserted.value, `i${String(n)}`);
        counts.inserts++;
      }
    });
    const sqlDocumentWriter = loop(async (n) => {
      const rows = ownedBySql[0]!;
      const id = rows[n % rows.length]!;
      const value = `d${String(n)}`;
      await driver.query(`UPDATE "public"."messages" SET data = jsonb_set(data, '{author}', to_jsonb($2::text)) WHERE _id = $1`, [id, value]);
      model.set(id, value);
      counts.sqlDocumentWrites++;
    });
    const sqlColumnWriter = loop(async (n) => {
      if (!expanded) {
        expanded = (await loadPromotions(driver, "public")).get("messages")?.get("author") !== undefined;
        await new Promise((r) => setTimeout(r, 20));
        return;
      }
      const rows = ownedBySql[1]!;
      const id = rows[n % rows.length]!;
      const value = `s${String(n)}`;
      await driver.query(`UPDATE "public"."messages" SET author = $2 WHERE _id = $1`, [id, value]);
      model.set(id, value);
      counts.sqlColumnWrites++;
    });
    const reader = loop(async (n) => {
      const wanted = `f${String(n % 100)}`;
      const { value } = await runtime.runHandler("query", (ctx) => ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", wanted)).collect());
      const docs = value as { _id: string; author: string }[];
      expect(docs.every((d) => d.author === wanted)).toBe(true);
      expect(docs.map((d) => d._id).sort()).toEqual([...frozenByAuthor.get(wanted)!].sort());
      counts.reads++;
    });

    const prepared = await preparePromotion(promoter, schema, "messages.author", { pgSchema: "public" });
    const state = await applyPromotion(promoter, prepared.plan, { pgSchema: "public", batchSize: 5000 }).finally(() => {
      done = true;
    });
    await Promise.all([convoyWriter, sqlDocumentWriter, sqlColumnWriter, reader]);
    expect(failures).toEqual([]);
    expect(state).toBe("switched");
    expect(counts.convoyWrites).toBeGreaterThan(0);
    expect(counts.sqlDocumentWrites).toBeGreaterThan(0);
    expect(counts.sqlColumnWrites).toBeGreaterThan(0);
    expect(counts.reads).toBeGreaterThan(0);

    const verification = await readVerification(driver, prepared.plan.target);
    expect(verification.mismatched).toBe(0);
    expect(verification.columnChecksum).toBe(verification.documentChecksum);
    expect(verification.indexes).toEqual({ messages__by_author__c: true });
    expect(verification.rows).toBe(model.size);

    const { rows } = await driver.query<{ id: string; document: string; column: string }>(`SELECT _id AS id, data->>'author' AS document, author AS column FROM "public"."messages"`);
    const table = new Map(rows.map((r) => [r.id, r.document]));
    expect(rows.filter((r) => r.document !== r.column)).toEqual([]);
    expect(table).toEqual(model);

    // a runtime started after the switch reads through the column: same results, the __c index
    const after = await createRuntime({ driver, schema, registry: createRegistrySync({}) });
    const { value: f7 } = await after.runHandler("query", (ctx) => ctx.db.query("messages").withIndex("by_author", (q) => q.eq("author", "f7")).collect());
    expect((f7 as { _id: string }[]).map((d) => d._id).sort()).toEqual([...frozenByAuthor.get("f7")!].sort());

    const catalog = await loadCatalog(driver, schema);
    const cursorSecret = await loadCursorSecret(driver);
    const statements: { sql: string; params: readonly unknown[] }[] = [];
    await driver.transaction({ isolation: "repeatable read", readOnly: true }, (tx) =>
      createDatabase({ tx: recordingQueryable(tx, statements), catalog, log: new AccessLog(), writable: false, cursorSecret })
        .query("messages")
        .withIndex("by_author", (q) => q.eq("author", "f7"))
        .take(10),
    );
    const { rows: plan } = await driver.query<{ "QUERY PLAN": string }>(`EXPLAIN ${statements[0]!.sql}`, [...statements[0]!.params]);
    expect(plan.map((r) => r["QUERY PLAN"]).join("\n")).toMatch(/Index (Only )?Scan using messages__by_author__c/);
  });
});

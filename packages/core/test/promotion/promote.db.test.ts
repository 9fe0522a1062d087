import { describe, expect, it, onTestFinished } from "vitest";
import { createRegistrySync } from "../../src/functions/registry.js";
import { applyPromotion, formatPromotionPlan, preparePromotion, readVerification } from "../../src/promotion/index.js";
import { createRuntime } from "../../src/runtime/runtime.js";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import { ensureSchema } from "../../src/schema-sync/ensure-schema.js";
import { openSyncDriver } from "../../src/schema-sync/index.js";
import { loadPromotions } from "../../src/storage/promoted-column.js";
import { v } from "../../src/values/index.js";
import { useTestDatabase } from "../helpers/test-database.js";

/**
 * The promotion steps in process, on PGlite and on Postgres: a number field with -0, NaN,
 * ±Infinity and missing values is backfilled exactly (checksums equal), an INVALID index left
 * by an interrupted build is dropped and built again, each step is in the sync log, and a
 * rerun after the switch does nothing.
 */
const schema = defineSchema({
  items: defineTable({ name: v.string(), score: v.optional(v.number()) })
    .index("by_score", ["score"])
    .index("by_name_score", ["name", "score"])
    .columns(["score"]),
});
const SPECIAL = [-0, 0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5, -2.25, 1e-300, undefined];

describe("promotion steps (in process)", () => {
  const db = useTestDatabase();

  it("backfills a number column exactly, rebuilds an INVALID leftover index, verifies and switches", async () => {
    const { driver, databaseUrl } = db();
    await ensureSchema({ driver, databaseUrl }, schema);
    const runtime = await createRuntime({ driver, schema, registry: createRegistrySync({}) });
    await runtime.runHandler("mutation", async (ctx) => {
      for (let i = 0; i < 600; i++) {
        const score = SPECIAL[i % SPECIAL.length];
        await ctx.db.insert("items", { name: `n${String(i % 7)}`, ...(score === undefined ? {} : { score }) });
      }
    });

    // one session (it holds the promotion's advisory lock), as `convoy promote` opens it
    const promoter = databaseUrl === undefined ? driver : await openSyncDriver(databaseUrl);
    onTestFinished(() => (promoter === driver ? undefined : promoter.close()));
    const options = { pgSchema: "public", batchSize: 64 };
    const prepared = await preparePromotion(promoter, schema, "items.score", options);
    expect(formatPromotionPlan(prepared.plan)).toContain(`CREATE INDEX CONCURRENTLY IF NOT EXISTS "items__by_name_score__c"`);
    expect(await applyPromotion(promoter, prepared.plan, options, new Set(["expand", "backfill"]))).toBe("backfilled");
    expect((await loadPromotions(driver, "public")).get("items")?.get("score")).toMatchObject({ state: "backfilled", rowsDone: 600 });

    // a killed CREATE INDEX CONCURRENTLY leaves an INVALID index of that name behind
    await driver.query(`CREATE UNIQUE INDEX CONCURRENTLY "items__by_score__c" ON "public"."items" (("score" IS NOT NULL))`).catch(() => undefined);
    const invalid = await driver.query<{ valid: boolean }>(`SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = '"public"."items__by_score__c"'::regclass`);
    expect(invalid.rows).toEqual([{ valid: false }]);

    const retries: string[] = [];
    expect(await applyPromotion(promoter, prepared.plan, { ...options, onRetry: (m) => retries.push(m) })).toBe("switched");
    expect(retries).toEqual(["dropping the INVALID index items__by_score__c left by an interrupted build"]);
    const verification = await readVerification(driver, prepared.plan.target);
    expect(verification).toMatchObject({ rows: 600, mismatched: 0, indexes: { items__by_score__c: true, items__by_name_score__c: true } });
    expect(verification.columnChecksum).toBe(verification.documentChecksum);

    const { rows } = await driver.query<{ doc: unknown; col: string | null }>(`SELECT data->'score' AS doc, score::text AS col FROM "public"."items" ORDER BY _id LIMIT ${String(SPECIAL.length)}`);
    expect(rows).toEqual([
      { doc: { $float64: "-0" }, col: "-0" },
      { doc: 0, col: "0" },
      { doc: { $float64: "NaN" }, col: "NaN" },
      { doc: { $float64: "Infinity" }, col: "Infinity" },
      { doc: { $float64: "-Infinity" }, col: "-Infinity" },
      { doc: 1.5, col: "1.5" },
      { doc: -2.25, col: "-2.25" },
      { doc: 1e-300, col: "1e-300" },
      { doc: null, col: null },
    ]);

    const { rows: log } = await driver.query<{ kind: string; outcome: string }>(`SELECT plan->'steps'->0->>'kind' AS kind, outcome FROM convoy.sync_log WHERE source = 'promote' ORDER BY id`);
    expect(log.map((e) => `${e.kind} ${e.outcome}`)).toEqual(["promote_expand applied", "promote_backfill applied", "promote_index applied", "promote_verify applied", "promote_switch applied"]);
    const again = await preparePromotion(promoter, schema, "items.score", options);
    expect(again.plan.steps.every((step) => step.done)).toBe(true);
    expect(await applyPromotion(promoter, again.plan, options)).toBe("switched");
    expect((await driver.query(`SELECT 1 FROM convoy.sync_log WHERE source = 'promote'`)).rows).toHaveLength(5);
  });
});

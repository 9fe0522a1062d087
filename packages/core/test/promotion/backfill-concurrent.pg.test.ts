import { describe, expect, it, onTestFinished } from "vitest";
import { applyPromotion, backfill, preparePromotion, readVerification } from "../../src/promotion/index.js";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import { ensureSchema } from "../../src/schema-sync/ensure-schema.js";
import { openSyncDriver } from "../../src/schema-sync/index.js";
import { BACKFILL_SETTING } from "../../src/storage/promoted-column.js";
import { v } from "../../src/values/index.js";
import { useTestDatabase } from "../helpers/test-database.js";

/**
 * A backfill batch (which the promotion trigger skips, see BACKFILL_SETTING) meeting a writer
 * of rows in its range: the batch waits for the writer's row locks and then computes the
 * column from the writer's committed document (READ COMMITTED re-checks the newer row
 * version), so no write is lost and no column is left out of step.
 */
const schema = defineSchema({
  messages: defineTable({ author: v.string(), body: v.string() }).index("by_author", ["author"]).columns(["author"]),
});

describe("backfill batch vs a concurrent writer", () => {
  const db = useTestDatabase();

  it("waits for the writer's row locks and computes the column from the committed document", async () => {
    const { driver, databaseUrl } = db();
    await ensureSchema({ driver, databaseUrl }, schema);
    await driver.query(
      `INSERT INTO "public"."messages" (_id, _creation_time, data)
       SELECT lpad(to_hex(i), 26, '0'), 1700000000000 + i, jsonb_build_object('author', 'a' || i, 'body', 'b') FROM generate_series(1, 3000) AS i`,
    );
    const promoter = await openSyncDriver(databaseUrl);
    onTestFinished(() => promoter.close());
    const options = { pgSchema: "public" };
    const prepared = await preparePromotion(promoter, schema, "messages.author", options);
    expect(await applyPromotion(promoter, prepared.plan, options, new Set(["expand"]))).toBe("expanded");

    const id = (i: number) => i.toString(16).padStart(26, "0");
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const writer = driver.transaction({ isolation: "read committed" }, async (tx) => {
      // an ordinary write: the trigger runs and sets the column
      await tx.query(`UPDATE "public"."messages" SET data = jsonb_set(data, '{author}', '"w1"') WHERE _id = $1`, [id(10)]);
      // a write the trigger does not see (the setting, as only a batch sets it): only the batch's
      // re-check of the committed row can give it its column
      await tx.query(`SELECT set_config($1, 'on', true)`, [BACKFILL_SETTING]);
      await tx.query(`UPDATE "public"."messages" SET data = jsonb_set(data, '{author}', '"w2"') WHERE _id = $1`, [id(20)]);
      locked();
      await gate;
    });
    await holding;
    const batch = backfill(promoter, prepared.plan.target);
    // the batch's UPDATE waits for the writer's row locks
    for (;;) {
      const { rows } = await driver.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH bound AS%'`,
      );
      if (rows[0]!.n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    release();
    await writer;
    expect(await batch).toMatchObject({ rowsDone: 3000, total: 3000 });

    const { rows } = await driver.query<{ id: string; doc: string; col: string | null }>(
      `SELECT _id AS id, data->>'author' AS doc, author AS col FROM "public"."messages" WHERE _id IN (SELECT jsonb_array_elements_text($1::jsonb)) ORDER BY _id`,
      [[id(10), id(20), id(30)]],
    );
    expect(rows).toEqual([
      { id: id(10), doc: "w1", col: "w1" },
      { id: id(20), doc: "w2", col: "w2" },
      { id: id(30), doc: "a30", col: "a30" },
    ]);
    const verification = await readVerification(driver, prepared.plan.target);
    expect(verification).toMatchObject({ rows: 3000, mismatched: 0 });
    expect(verification.columnChecksum).toBe(verification.documentChecksum);
  });
});

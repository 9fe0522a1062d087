import { describe, expect, it } from "vitest";
import { useDbHarness } from "../../test/db/harness.js";
import type { Queryable } from "../driver/index.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { v } from "../values/index.js";

/**
 * Indexes are built on stored key columns, not on expressions over `data`: an update that
 * leaves every indexed field unchanged touches no indexed column, so Postgres makes it a HOT
 * update (no new index entry, no index page touched). Counted with the transaction's own
 * statistics (`pg_stat_get_xact_*`), which need no stats flush.
 */
const schema = defineSchema({
  counters: defineTable({ name: v.string(), value: v.number(), profile: v.object({ city: v.string() }) })
    .index("by_name", ["name"])
    .index("by_city", ["profile.city", "name"]),
});
const h = useDbHarness(schema);

async function updates(tx: Queryable): Promise<{ all: number; hot: number }> {
  const { rows } = await tx.query<{ all: string; hot: string }>(
    `SELECT pg_stat_get_xact_tuples_updated('public.counters'::regclass) AS all, pg_stat_get_xact_tuples_hot_updated('public.counters'::regclass) AS hot`,
  );
  return { all: Number(rows[0]!.all), hot: Number(rows[0]!.hot) };
}

describe("contended writes: HOT updates and fine-grained predicate locks", () => {
  it("an update leaving the indexed fields unchanged is HOT; changing an indexed field is not", async () => {
    const id = await h.run((db) => db.insert("counters", { name: "a", value: 0, profile: { city: "Oslo" } }));
    await h.run(async (db, _log, tx) => {
      for (let i = 1; i <= 5; i++) await db.patch(id, { value: i });
      expect(await updates(tx)).toEqual({ all: 5, hot: 5 });
      await db.patch(id, { profile: { city: "Bergen" } });
      expect(await updates(tx)).toEqual({ all: 6, hot: 5 });
      await db.replace(id, { name: "b", value: 9, profile: { city: "Bergen" } });
      expect(await updates(tx)).toEqual({ all: 7, hot: 5 });
    });
    // the changed keys are what the indexes find
    const found = await h.run((db) => db.query("counters").withIndex("by_city", (q) => q.eq("profile.city", "Bergen").eq("name", "b")).unique());
    expect(found).toMatchObject({ _id: id, value: 9 });
  });

  it("a serializable read-modify-write on a small table locks the index pages and the row it read, not the whole table", async () => {
    const id = await h.run((db) => db.insert("counters", { name: "locks", value: 0, profile: { city: "Oslo" } }));
    await h.database().driver.query("ANALYZE counters"); // the planner knows the table is tiny
    const locks = await h.run(async (db, _log, tx) => {
      const counter = await db.query("counters").withIndex("by_name", (q) => q.eq("name", "locks")).unique();
      await db.patch(id, { value: (counter!.value as number) + 1 });
      const { rows } = await tx.query<{ locktype: string; relation: string }>(
        `SELECT locktype, relation::regclass::text AS relation FROM pg_locks WHERE pid = pg_backend_pid() AND mode = 'SIReadLock' ORDER BY 1, 2`,
      );
      return rows;
    });
    // a sequential scan (the planner's choice for a few rows) would lock the relation: every concurrent writer would conflict
    expect(locks.filter((lock) => lock.locktype === "relation")).toEqual([]);
    expect(locks).toContainEqual({ locktype: "page", relation: "counters__by_name" });
  });
});

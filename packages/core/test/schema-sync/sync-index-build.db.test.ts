import { describe, expect, it } from "vitest";
import { createPgDriver } from "../../src/driver/index.js";
import { defineSchema, defineTable } from "../../src/schema/index.js";
import { v } from "../../src/values/v.js";
import { readSyncLog, syncSchema } from "../../src/schema-sync/index.js";
import { newCreationTime, newId } from "../../src/storage/ids.js";
import { useTestDatabase } from "../helpers/test-database.js";
import { insertDocuments, syncDriver } from "./sync-helpers.js";

const ROWS = 200_000;

const plain = defineSchema({ events: defineTable({ n: v.number(), tag: v.string() }) });
const indexed = defineSchema({ events: defineTable({ n: v.number(), tag: v.string() }).index("by_tag", ["tag"]) });

async function indexState(driver: { query: (sql: string, params?: unknown[]) => Promise<{ rows: unknown[] }> }, name: string): Promise<{ valid: boolean } | undefined> {
  const { rows } = await driver.query(`SELECT x.indisvalid AS valid FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE i.relname = $1`, [name]);
  return rows[0] as { valid: boolean } | undefined;
}

describe("convoy sync: index builds on existing tables", () => {
  const db = useTestDatabase();

  it("builds an index on a 200k-row table CONCURRENTLY while another connection keeps inserting", async () => {
    const session = await syncDriver(db());
    try {
      expect((await syncSchema(session.driver, plain)).outcome).toBe("applied");
      const rows = db().kind === "pg" ? ROWS : 2_000;
      await db().driver.query(
        `INSERT INTO events (_id, _creation_time, data)
         SELECT 'seed' || lpad(i::text, 8, '0'), i, jsonb_build_object('n', i, 'tag', 't' || (i % 997)) FROM generate_series(1, $1::int) AS i`,
        [rows],
      );
      // Planned concurrently on the real server; PGlite has one connection and builds in its transaction.
      const dry = await syncSchema(session.driver, indexed, { mode: "dry-run" });
      const create = dry.plan.steps.find((s) => s.kind === "create_index")!;
      if (db().kind === "pg") {
        expect(create.statements[0]).toMatchObject({ concurrent: true, lock: "SHARE UPDATE EXCLUSIVE" });
        expect(create.statements[0]!.sql).toContain("CREATE INDEX CONCURRENTLY");
      } else {
        expect(create.statements[0]).toMatchObject({ concurrent: false, lock: "SHARE" });
      }

      // A writer on its own connection(s), inserting continuously during the build.
      const writer = db().kind === "pg" ? await createPgDriver({ connectionString: db().databaseUrl!, max: 2 }) : db().driver;
      let stop = false;
      const inserts: { at: number; ok: boolean; error?: string }[] = [];
      const writing = (async () => {
        while (!stop) {
          try {
            await writer.query(`INSERT INTO events (_id, _creation_time, data) VALUES ($1, $2, $3::jsonb)`, [newId("events"), newCreationTime(), { n: 1, tag: "live" }]);
            inserts.push({ at: performance.now(), ok: true });
          } catch (error) {
            inserts.push({ at: performance.now(), ok: false, error: String(error) });
          }
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      await new Promise((r) => setTimeout(r, 50));
      const started = performance.now();
      const result = await syncSchema(session.driver, indexed);
      const finished = performance.now();
      await new Promise((r) => setTimeout(r, 50));
      stop = true;
      await writing;
      if (writer !== db().driver) await writer.close();

      expect(result.outcome).toBe("applied");
      expect(inserts.filter((i) => !i.ok)).toEqual([]);
      expect(await indexState(db().driver, "events__by_tag")).toEqual({ valid: true });
      const during = inserts.filter((i) => i.at >= started && i.at <= finished).map((i) => i.at);
      if (db().kind === "pg") {
        // Writers were not blocked: inserts kept landing while the index was being built. (How
        // long they stalled is a timing, measured in bench/sync.bench.ts, not asserted here.)
        expect(during.length).toBeGreaterThan(0);
      } else {
        // PGlite: the build is one transaction on the one connection; the writer simply queued.
        expect(inserts.length).toBeGreaterThan(0);
      }
      const count = await db().driver.query<{ n: string }>(`SELECT count(*) AS n FROM events WHERE convoy.sort_key_v1(data->'tag') = convoy.sort_key_v1('"live"'::jsonb)`);
      expect(Number(count.rows[0]!.n)).toBe(inserts.length);
    } finally {
      await session.close();
    }
  });

  it("leaves an index INVALID when a concurrent build fails half way, and the next sync rebuilds it", async () => {
    const before = defineSchema({ ...indexed.tables, samples: defineTable({ k: v.any() }) });
    const session = await syncDriver(db());
    try {
      expect((await syncSchema(session.driver, before)).outcome).toBe("applied");
      await insertDocuments(db().driver, "samples", Array.from({ length: 500 }, (_, i) => ({ k: BigInt(i) })));
      // A document whose key is too large for a btree entry (incompressible, over 2704 bytes):
      // its key column is computed, but the index build fails when it reaches it, after the
      // index entry was created.
      const corrupt = newId("samples");
      await db().driver.query(
        `INSERT INTO samples (_id, _creation_time, data) SELECT $1, $2, jsonb_build_object('k', string_agg(md5(i::text), '')) FROM generate_series(1, 200) AS i`,
        [corrupt, newCreationTime()],
      );

      const after = defineSchema({ ...indexed.tables, samples: defineTable({ k: v.any() }).index("by_k", ["k"]) });
      const failed = await syncSchema(session.driver, after);
      expect(failed.outcome).toBe("failed");
      expect(failed.error?.message).toMatch(/index row size .* exceeds/);
      expect(failed.results.find((r) => r.status === "failed")?.step).toMatchObject({ kind: "create_index", index: "by_k" });
      const log = await readSyncLog(db().driver);
      expect(log[0]).toMatchObject({ schemaHash: after.hash, outcome: "failed" });

      if (db().kind === "pg") {
        expect(await indexState(db().driver, "samples__by_k")).toEqual({ valid: false });
      } else {
        // PGlite builds inside the sync's transaction: the failure rolled everything back.
        expect(await indexState(db().driver, "samples__by_k")).toBeUndefined();
      }

      await db().driver.query(`UPDATE samples SET data = '{"k": {"$int64": "7"}}'::jsonb WHERE _id = $1`, [corrupt]);
      const fixed = await syncSchema(session.driver, after);
      expect(fixed.outcome).toBe("applied");
      expect(fixed.plan.steps.find((s) => s.kind === "rebuild_invalid_index" || s.kind === "create_index")).toMatchObject({
        kind: db().kind === "pg" ? "rebuild_invalid_index" : "create_index",
        index: "by_k",
      });
      expect(await indexState(db().driver, "samples__by_k")).toEqual({ valid: true });
      // the key column follows the document's change
      expect((await db().driver.query(`SELECT 1 FROM samples WHERE _key_k_ec3c2d98 = convoy.sort_key_v1('{"$int64": "7"}'::jsonb)`)).rows).toHaveLength(2);
      expect((await syncSchema(session.driver, after)).outcome).toBe("up-to-date");
    } finally {
      await session.close();
    }
  });
});

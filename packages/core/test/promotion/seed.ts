import type { Queryable } from "../../src/driver/index.js";
import { newCreationTime, newId } from "../../src/storage/ids.js";

/** Inserts `count` documents made by `doc(i)` into `table` with real Convoy ids, in chunks; returns the ids in order. */
export async function seedDocuments(q: Queryable, table: string, count: number, doc: (i: number) => Record<string, unknown>, chunk = 20_000): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += chunk) {
    const batch: [string, number, Record<string, unknown>][] = [];
    for (let i = start; i < Math.min(count, start + chunk); i++) {
      const id = newId(table);
      ids.push(id);
      batch.push([id, newCreationTime(), doc(i)]);
    }
    await q.query(`INSERT INTO "public"."${table}" ("_id", "_creation_time", "data") SELECT r->>0, (r->>1)::float8, r->2 FROM jsonb_array_elements($1::jsonb) AS r`, [batch]);
  }
  return ids;
}

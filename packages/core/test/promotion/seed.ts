import type { Queryable } from "../../src/driver/index.js";
import { newCreationTime, newId } from "../../src/storage/ids.js";

/** Inserts `count` documents made by `doc(i)` into `table` with real Convoy ids, in chunks; returns the ids in order. */
export async function seedDocuments(q: Queryable, table: string, count: number, doc: (i: number) => Record<string, unknown>, chunk = 20_000): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += chunk) {
    const batch = { ids: [] as string[], times: [] as number[], docs: [] as string[] };
    for (let i = start; i < Math.min(count, start + chunk); i++) {
      const id = newId(table);
      ids.push(id);
      batch.ids.push(id);
      batch.times.push(newCreationTime());
      batch.docs.push(JSON.stringify(doc(i)));
    }
    await q.query(`INSERT INTO "public"."${table}" ("_id", "_creation_time", "data") SELECT * FROM unnest($1::text[], $2::float8[], $3::jsonb[])`, [batch.ids, batch.times, batch.docs]);
  }
  return ids;
}

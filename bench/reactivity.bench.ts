/**
 * Invalidation matching (`npm run bench -- reactivity`): for 10k and 100k live subscriptions
 * (half `withIndex` equality ranges, half `get` by id), the time to find the subscriptions one
 * committed write reaches, with the subscription index against the baseline of testing every
 * subscription's reads with the overlap predicate. Also the size of a 1,000-document commit's
 * NOTIFY payload. In-process: no database.
 */
import { overlapsAny, SubscriptionIndex, decodeWriteSet, encodeWriteSet, idKey, writeSetOf, type ReadRecord, type WriteRecord } from "../packages/core/src/reactivity/index.js";
import { tupleKeyHex } from "../packages/core/src/storage/index-key.js";
import { measure, report } from "./lib/stats.js";

const authorPrefix = (author: string) => tupleKeyHex([author]);

function readsOf(i: number): ReadRecord[] {
  if (i % 2 === 1) return [{ kind: "get", table: "messages", id: `id${i}` }];
  const prefix = authorPrefix(`user${i}`);
  return [{ kind: "range", table: "messages", index: "by_author", lower: prefix, upper: `${prefix}ff` }];
}

function insertBy(author: string, id: string, creationTime: number): WriteRecord {
  const tail = tupleKeyHex([creationTime, id]);
  return { table: "messages", id, op: "insert", newKeys: { by_id: idKey(id), by_creation_time: tail, by_author: authorPrefix(author) + tail } };
}

export async function run(): Promise<void> {
  for (const count of [10_000, 100_000]) {
    const index = new SubscriptionIndex<number>();
    const all = Array.from({ length: count }, (_, i) => readsOf(i));
    const addStarted = performance.now();
    for (let i = 0; i < count; i++) index.add(i, all[i]!);
    const addMs = performance.now() - addStarted;
    const writes = Array.from({ length: 1000 }, (_, i) => writeSetOf([insertBy(`user${(i * 7919) % count}`, `new${i}`, 1_700_000_000_000 + i)]));
    const visitedBefore = index.visited;
    const indexed = await measure(`index match (${count})`, 2000, 1, (i) => Promise.resolve(index.match(writes[i % writes.length]!)));
    const visitedPerMatch = (index.visited - visitedBefore) / 2000;
    const scan = await measure(`scan every read (${count})`, count >= 100_000 ? 50 : 200, 1, (i) => {
      const w = writes[i % writes.length]!;
      const found: number[] = [];
      for (let s = 0; s < all.length; s++) if (overlapsAny(w, all[s]!)) found.push(s);
      return Promise.resolve(found);
    });
    report(`match one write among ${count} subscriptions (convoy = index, raw = scan)`, indexed, scan);
    console.log(`  registering ${count}: ${addMs.toFixed(0)} ms; entries visited per match: ${visitedPerMatch.toFixed(1)}`);
  }
  const commit = writeSetOf(Array.from({ length: 1000 }, (_, i) => insertBy(`user${i % 50}`, `doc${i}`, 1_700_000_000_000 + i)));
  const exactBytes = encodeWriteSet(commit, Infinity).length;
  const payload = encodeWriteSet(commit);
  const coarse = decodeWriteSet(payload);
  const spans = [...coarse.tables.get("messages")!.values()].reduce((n, list) => n + list.length, 0);
  console.log(`\nNOTIFY payload of a 1,000-document commit: exact ${exactBytes} bytes; sent ${payload.length} bytes (${spans} covering spans over ${coarse.tables.get("messages")!.size} indexes)`);
}

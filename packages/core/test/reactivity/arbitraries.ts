import fc from "fast-check";
import { idKey } from "../../src/reactivity/key-span.js";
import type { ReadRecord, WriteRecord } from "../../src/reactivity/records.js";

/** Random read and write records over two tables with a few indexes, keys from a small byte alphabet (so they collide). */
export const TABLES = ["t", "u"] as const;
export const INDEXES = ["by_id", "by_creation_time", "by_a"] as const;
export const IDS = ["id0", "id1", "id2", "id3", "id4", "id5"] as const;

export const hexKey: fc.Arbitrary<string> = fc.array(fc.constantFrom("00", "01", "06", "7f", "80", "ff"), { minLength: 1, maxLength: 4 }).map((bytes) => bytes.join(""));

export const readRecord: fc.Arbitrary<ReadRecord> = fc.oneof(
  fc.record({
    kind: fc.constant("range" as const),
    table: fc.constantFrom(...TABLES),
    index: fc.constantFrom(...INDEXES),
    lower: fc.oneof(fc.constant(""), hexKey),
    upper: fc.option(hexKey, { freq: 3 }),
  }),
  fc.record({
    kind: fc.constant("range" as const),
    table: fc.constantFrom(...TABLES),
    index: fc.constantFrom(...INDEXES),
    lower: hexKey,
  }).map((read) => ({ ...read, upper: `${read.lower}00` })),
  fc.record({ kind: fc.constant("get" as const), table: fc.constantFrom(...TABLES), id: fc.constantFrom(...IDS) }),
);

const keys = (id: string): fc.Arbitrary<Record<string, string>> =>
  fc.record({ by_creation_time: hexKey, by_a: hexKey }, { requiredKeys: ["by_creation_time"] }).map((k) => ({ ...k, by_id: idKey(id) }));

export const writeRecord: fc.Arbitrary<WriteRecord> = fc
  .record({ table: fc.constantFrom(...TABLES), id: fc.constantFrom(...IDS), op: fc.constantFrom("insert" as const, "update" as const, "delete" as const) })
  .chain((base) =>
    fc.record({ oldKeys: keys(base.id), newKeys: keys(base.id) }).map(({ oldKeys, newKeys }): WriteRecord => {
      if (base.op === "insert") return { ...base, newKeys };
      if (base.op === "delete") return { ...base, oldKeys };
      return { ...base, oldKeys, newKeys };
    }),
  );

/** Write records with many distinct keys (big commits), for the codec. */
export const bigCommit = (minLength: number, maxLength: number): fc.Arbitrary<WriteRecord[]> =>
  fc.array(
    fc.record({ table: fc.constantFrom(...TABLES), id: fc.string({ minLength: 1, maxLength: 12 }), a: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 10 }), ct: fc.nat() }).map(
      ({ table, id, a, ct }): WriteRecord => ({
        table,
        id,
        op: "insert",
        newKeys: { by_id: idKey(id), by_a: a.map((b) => b.toString(16).padStart(2, "0")).join("") + idKey(id), by_creation_time: ct.toString(16).padStart(16, "0") + idKey(id) },
      }),
    ),
    { minLength, maxLength },
  );

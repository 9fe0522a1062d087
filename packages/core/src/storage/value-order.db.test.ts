import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/helpers/test-database.js";
import { storableValue } from "../../test/helpers/arbitraries.js";
import { compareValues } from "../values/compare.js";
import type { Value } from "../values/value.js";
import { sortKey } from "./sort-key.js";
import { SORT_KEY_FUNCTION, SORT_KEY_FUNCTION_SQL } from "./sql/sort-key-function.js";
import { fromStored, toStored } from "./stored-value.js";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/**
 * SQL `ORDER BY convoy.sort_key_v1(...)` and the JS comparator must agree on random values of
 * every type, nested too, whatever the database collation.
 */
for (const icuLocale of [undefined, "en-US"]) {
  describe(`value order (${icuLocale === undefined ? "default collation" : `ICU ${icuLocale}`})`, () => {
    it("SQL index order equals compareValues, and SQL keys equal JS keys byte for byte", async () => {
      const db = await createTestDatabase(icuLocale === undefined ? {} : { icuLocale });
      try {
        await db.driver.query("CREATE SCHEMA IF NOT EXISTS convoy");
        await db.driver.query(SORT_KEY_FUNCTION_SQL);
        await db.driver.query("CREATE TABLE vals (n int PRIMARY KEY, v jsonb)");
        await db.driver.query(`CREATE INDEX vals_key ON vals (${SORT_KEY_FUNCTION}(v), n)`);
        await fc.assert(
          fc.asyncProperty(fc.array(fc.option(storableValue, { nil: undefined }), { minLength: 1, maxLength: 25 }), async (values) => {
            await db.driver.query("TRUNCATE vals");
            // a missing value is an absent "v" key, so `e->'v'` is SQL NULL, as for a missing field
            const stored = values.map((value) => (value === undefined ? {} : { v: toStored(value) }));
            await db.driver.query("INSERT INTO vals SELECT n - 1, e->'v' FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS u(e, n)", [stored]);
            const { rows } = await db.driver.query<{ n: number; k: Uint8Array }>(
              `SELECT n, ${SORT_KEY_FUNCTION}(v) AS k FROM vals ORDER BY ${SORT_KEY_FUNCTION}(v), n`,
            );
            for (const row of rows) expect(hex(row.k)).toBe(hex(sortKey(values[row.n])));
            const sqlOrder = rows.map((row) => values[row.n]);
            const jsOrder = values.map((value, n) => ({ value, n })).sort((a, b) => compareValues(a.value, b.value) || a.n - b.n);
            for (let i = 0; i < rows.length; i++) expect(compareValues(sqlOrder[i], jsOrder[i]!.value)).toBe(0);
          }),
          { numRuns: 60 },
        );
      } finally {
        await db.close();
      }
    });
  });
}

describe("storage form", () => {
  it("round-trips every value through jsonb exactly", async () => {
    const db = await createTestDatabase();
    try {
      await fc.assert(
        fc.asyncProperty(storableValue, async (value) => {
          const { rows } = await db.driver.query<{ v: unknown }>("SELECT $1::jsonb AS v", [JSON.stringify(toStored(value))]);
          expect(fromStored(rows[0]!.v as never)).toEqual(value);
        }),
        { numRuns: 100 },
      );
    } finally {
      await db.close();
    }
  });

  it("is readable in SQL: int64 as a decimal string, special floats by name, bytes as hex", async () => {
    const db = await createTestDatabase();
    try {
      const doc: Value = { big: -42n, nan: NaN, negZero: -0, inf: -Infinity, raw: new Uint8Array([0, 255]).buffer, n: 1.5 };
      const { rows } = await db.driver.query<{ t: string }>("SELECT ($1::jsonb)::text AS t", [JSON.stringify(toStored(doc))]);
      expect(JSON.parse(rows[0]!.t)).toEqual({
        big: { $int64: "-42" },
        nan: { $float64: "NaN" },
        negZero: { $float64: "-0" },
        inf: { $float64: "-Infinity" },
        raw: { $bytes: "00ff" },
        n: 1.5,
      });
    } finally {
      await db.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import type { DatabaseError } from "../errors/index.js";
import { createTableSql } from "./layout.js";
import {
  addPromotedColumnSql,
  BACKFILL_SETTING,
  columnFromDocumentSql,
  columnMismatchSql,
  promotionTriggerSql,
  wrongTypeDocumentSql,
  type PromotedColumnType,
} from "./promoted-column.js";
import { fromStored, toStored } from "./stored-value.js";
import type { Value } from "../values/value.js";

/*
 * The promotion trigger on both databases, driven by plain SQL as any client would: the column
 * follows the document, the document follows the column, conversions are exact both ways, and
 * a value of the wrong type is refused with the table, field, expected type and `_id`.
 */

const FIELDS: Record<string, PromotedColumnType> = { s: "text", n: "double precision", i: "bigint", b: "boolean" };

let db: TestDatabase;
let nextId = 0;
const newId = () => `id${String(nextId++).padStart(6, "0")}`;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.driver.query("CREATE SCHEMA IF NOT EXISTS convoy");
  await db.driver.query(createTableSql("public", "t"));
  for (const [field, type] of Object.entries(FIELDS)) {
    await db.driver.query(addPromotedColumnSql("public", "t", field, type));
    for (const sql of promotionTriggerSql("public", "t", field, type)) await db.driver.query(sql);
  }
});

afterAll(async () => {
  await db.close();
});

/** The bits of a float64, as `float8send` gives them. */
function bits(value: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return Buffer.from(view.buffer).toString("hex");
}

/** A float64 as Postgres float8 input (exact: JS prints the shortest round-trip decimal). */
const float8Text = (value: number) => (Object.is(value, -0) ? "-0" : String(value));

async function insertDocument(fields: Record<string, Value>): Promise<string> {
  const id = newId();
  await db.driver.query(`INSERT INTO t (_id, _creation_time, data) VALUES ($1, 1, $2::jsonb)`, [id, JSON.stringify(toStored(fields))]);
  return id;
}

async function row(id: string): Promise<{ data: Record<string, unknown>; s: string | null; n: string | null; i: string | null; b: boolean | null }> {
  const { rows } = await db.driver.query<{ data: string; s: string | null; n: string | null; i: string | null; b: boolean | null }>(
    `SELECT data::text AS data, s, encode(float8send(n), 'hex') AS n, i::text AS i, b FROM t WHERE _id = $1`,
    [id],
  );
  const found = rows[0]!;
  return { ...found, data: JSON.parse(found.data) as Record<string, unknown> };
}

async function mismatches(): Promise<number> {
  let total = 0;
  for (const [field, type] of Object.entries(FIELDS)) {
    const { rows } = await db.driver.query<{ n: string | number }>(`SELECT count(*) AS n FROM t WHERE ${columnMismatchSql(type, field)}`);
    total += Number(rows[0]!.n);
  }
  return total;
}

async function sqlError(sql: string, params: unknown[]): Promise<DatabaseError> {
  const error = await db.driver.query(sql, params).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).not.toBeNull();
  return error as DatabaseError;
}

const NUMBERS = [0, -0, NaN, Infinity, -Infinity, 1.5, 0.1, -2.5e-8, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 1e21, 123456789.12345678, 2 ** 53 + 2];
const INT64S = [0n, 1n, -1n, -(2n ** 63n), 2n ** 63n - 1n, 9007199254740993n];

describe("promotion trigger", () => {
  it("a document write sets every column exactly (NaN, ±Infinity, -0, int64 extremes)", async () => {
    for (const n of NUMBERS) {
      const id = await insertDocument({ n, s: "héllo \u{1F600}", b: false });
      const found = await row(id);
      expect(found.n).toBe(bits(n));
      expect(found.s).toBe("héllo \u{1F600}");
      expect(found.b).toBe(false);
      expect(found.i).toBeNull();
    }
    for (const i of INT64S) expect((await row(await insertDocument({ i }))).i).toBe(i.toString());
    expect(await mismatches()).toBe(0);
  });

  it("a column write sets the document field in storage form, exactly", async () => {
    for (const n of NUMBERS) {
      const id = newId();
      await db.driver.query(`INSERT INTO t (_id, _creation_time, data, n) VALUES ($1, 1, '{}', $2::float8)`, [id, float8Text(n)]);
      const stored = (await row(id)).data.n;
      expect(Object.is(fromStored(stored as never), n) || (Number.isNaN(n) && Number.isNaN(fromStored(stored as never)))).toBe(true);
      expect(stored).toEqual(toStored(n));
    }
    for (const i of INT64S) {
      const id = newId();
      await db.driver.query(`INSERT INTO t (_id, _creation_time, data, i, s, b) VALUES ($1, 1, '{"x": 1}', $2::bigint, 'a''b', true)`, [id, i.toString()]);
      expect((await row(id)).data).toEqual({ x: 1, i: { $int64: i.toString() }, s: "a'b", b: true });
    }
    expect(await mismatches()).toBe(0);
  });

  it("updates follow either side, and NULL / a removed field mean missing", async () => {
    const id = await insertDocument({ n: 1, s: "a" });
    await db.driver.query(`UPDATE t SET data = data || '{"n": {"$float64": "-0"}}'::jsonb WHERE _id = $1`, [id]);
    expect((await row(id)).n).toBe(bits(-0));
    await db.driver.query(`UPDATE t SET n = 'Infinity' WHERE _id = $1`, [id]);
    expect((await row(id)).data).toEqual({ n: { $float64: "Infinity" }, s: "a" });
    await db.driver.query(`UPDATE t SET n = 0 WHERE _id = $1`, [id]);
    expect((await row(id)).data).toEqual({ n: 0, s: "a" });
    await db.driver.query(`UPDATE t SET s = NULL WHERE _id = $1`, [id]);
    expect((await row(id)).data).toEqual({ n: 0 });
    await db.driver.query(`UPDATE t SET data = data - 'n' WHERE _id = $1`, [id]);
    expect((await row(id)).n).toBeNull();
    // both sides written, agreeing
    await db.driver.query(`UPDATE t SET data = '{"s": "z"}', s = 'z' WHERE _id = $1`, [id]);
    expect(await row(id)).toMatchObject({ s: "z", data: { s: "z" } });
    expect(await mismatches()).toBe(0);
  });

  it("a backfill (column := typed document) leaves documents untouched", async () => {
    await db.driver.query(`ALTER TABLE t DISABLE TRIGGER USER`);
    const id = newId();
    const doc = JSON.stringify({ n: 1.0, i: { $int64: "007" }, s: "x", b: true });
    await db.driver.query(`INSERT INTO t (_id, _creation_time, data) VALUES ($1, 1, $2::jsonb)`, [id, doc]);
    await db.driver.query(`ALTER TABLE t ENABLE TRIGGER USER`);
    expect(await mismatches()).toBeGreaterThan(0);
    const before = (await row(id)).data;
    const sets = Object.entries(FIELDS).map(([field, type]) => `"${field}" = ${columnFromDocumentSql(type, `data->'${field}'`)}`);
    await db.driver.query(`UPDATE t SET ${sets.join(", ")} WHERE _id = $1`, [id]);
    const after = await row(id);
    expect(after.data).toEqual(before);
    expect(after).toMatchObject({ s: "x", i: "7", b: true, n: bits(1) });
    expect(await mismatches()).toBe(0);
  });

  it("is not called in a backfill batch (convoy.backfill), and is for every other write", async () => {
    const id = await insertDocument({ s: "a" });
    // in a batch's transaction a column write leaves the document as is: the trigger did not run
    await db.driver.transaction({ isolation: "read committed" }, async (tx) => {
      await tx.query(`SELECT set_config($1, 'on', true)`, [BACKFILL_SETTING]);
      await tx.query(`UPDATE t SET s = 'col' WHERE _id = $1`, [id]);
    });
    expect(await row(id)).toMatchObject({ s: "col", data: { s: "a" } });
    // outside it (the setting gone with its transaction, or set to anything but 'on') every write runs it
    await db.driver.query(`UPDATE t SET data = '{"s": "b"}' WHERE _id = $1`, [id]);
    expect(await row(id)).toMatchObject({ s: "b", data: { s: "b" } });
    await db.driver.transaction({ isolation: "read committed" }, async (tx) => {
      await tx.query(`SELECT set_config($1, 'off', true)`, [BACKFILL_SETTING]);
      await tx.query(`UPDATE t SET s = 'c' WHERE _id = $1`, [id]);
    });
    expect(await row(id)).toMatchObject({ s: "c", data: { s: "c" } });
    expect(await mismatches()).toBe(0);
  });

  it("refuses a wrong type with check_violation naming table.field, the expected type and the _id; the row is unchanged", async () => {
    const cases: [string, unknown][] = [
      ["n", "5"],
      ["n", { $float64: "nope" }],
      ["n", null],
      ["i", 5],
      ["i", { $int64: "9223372036854775808" }],
      ["s", 5],
      ["b", "true"],
    ];
    for (const [field, value] of cases) {
      const id = newId();
      const error = await sqlError(`INSERT INTO t (_id, _creation_time, data) VALUES ($1, 1, $2::jsonb)`, [id, JSON.stringify({ [field]: value })]);
      expect(error.sqlState).toBe("23514");
      expect(error.message).toContain(`t.${field} must be`);
      expect(error.message).toContain(id);
      const { rows } = await db.driver.query(`SELECT 1 FROM t WHERE _id = $1`, [id]);
      expect(rows).toHaveLength(0);
    }
    const id = await insertDocument({ n: 2 });
    const error = await sqlError(`UPDATE t SET data = '{"n": "two"}' WHERE _id = $1`, [id]);
    expect(error.sqlState).toBe("23514");
    expect(error.message).toMatch(/t\.n must be a number \(float64\).*"two".*id\d+/);
    expect((await row(id)).data).toEqual({ n: 2 });
  });

  it("refuses a column and a document that disagree", async () => {
    const error = await sqlError(`INSERT INTO t (_id, _creation_time, data, n) VALUES ($1, 1, '{"n": 1}', 2)`, [newId()]);
    expect(error.sqlState).toBe("23514");
    expect(error.message).toContain("disagree");
    const id = await insertDocument({ n: 0 });
    const update = await sqlError(`UPDATE t SET data = '{"n": 3}', n = '-0' WHERE _id = $1`, [id]);
    expect(update.sqlState).toBe("23514");
  });

  it("finds documents of the wrong type and rows whose column drifted", async () => {
    await db.driver.query(`ALTER TABLE t DISABLE TRIGGER USER`);
    const bad = newId();
    await db.driver.query(`INSERT INTO t (_id, _creation_time, data) VALUES ($1, 1, '{"s": 1}')`, [bad]);
    const drifted = newId();
    await db.driver.query(`INSERT INTO t (_id, _creation_time, data, n) VALUES ($1, 1, '{"n": 0}', '-0')`, [drifted]);
    await db.driver.query(`ALTER TABLE t ENABLE TRIGGER USER`);
    const { rows: wrong } = await db.driver.query<{ _id: string }>(`SELECT _id FROM t WHERE ${wrongTypeDocumentSql("text", "s")}`);
    expect(wrong.map((r) => r._id)).toEqual([bad]);
    const { rows: drift } = await db.driver.query<{ _id: string }>(`SELECT _id FROM t WHERE ${columnMismatchSql("double precision", "n")}`);
    expect(drift.map((r) => r._id)).toEqual([drifted]);
    await db.driver.query(`DELETE FROM t WHERE _id IN ($1, $2)`, [bad, drifted]);
  });

  it("keeps the triggers of same-named tables in two Postgres schemas apart", async () => {
    await db.driver.query("CREATE SCHEMA IF NOT EXISTS other");
    await db.driver.query(createTableSql("other", "t"));
    await db.driver.query(addPromotedColumnSql("other", "t", "s", "bigint"));
    for (const sql of promotionTriggerSql("other", "t", "s", "bigint")) await db.driver.query(sql);
    await db.driver.query(`INSERT INTO other.t (_id, _creation_time, data) VALUES ('o1', 1, '{"s": {"$int64": "12"}}')`);
    const { rows } = await db.driver.query<{ s: string }>(`SELECT s::text AS s FROM other.t`);
    expect(rows[0]!.s).toBe("12");
    // public.t's text trigger is unchanged
    expect((await row(await insertDocument({ s: "still text" }))).s).toBe("still text");
  });
});

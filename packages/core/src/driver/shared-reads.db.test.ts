import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import { createDriver } from "./create-driver.js";
import type { Driver } from "./driver.js";

const db = useTestDatabase();
/** One connection (PGlite has only one), so reads queue while a transaction holds it. */
let driver: Driver;

beforeAll(async () => {
  driver = db().kind === "pg" ? await createDriver({ databaseUrl: db().databaseUrl!, max: 1 }) : db().driver;
  await driver.query("CREATE SEQUENCE shared_reads_runs");
  await driver.query("CREATE TABLE shared_reads (n int)");
});

afterAll(async () => {
  if (driver !== db().driver) await driver.close();
});

/** Counts its runs (a sequence outlives the statement) and what it saw. */
const READ = "SELECT nextval('shared_reads_runs')::int AS run, (SELECT count(*)::int FROM shared_reads) AS seen";
type ReadRow = { run: number; seen: number };

describe("identical reads that queue share one statement", () => {
  it("reads queued behind a busy connection run once, after the commit that held it, and each caller gets its own rows", async () => {
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const writer = driver.transaction({}, async (tx) => {
      await tx.query("SELECT 1"); // a pg transaction takes its connection at its first statement
      entered();
      await gate;
      await tx.query("INSERT INTO shared_reads VALUES (1)");
    });
    await inside;
    const shared = Array.from({ length: 5 }, () => driver.query<ReadRow>(READ, [], { readOnly: true }));
    const other = driver.query<ReadRow>(`${READ} WHERE $1::int = 1`, [1], { readOnly: true });
    const write = driver.query<ReadRow>(READ);
    open();
    await writer;
    const results = await Promise.all(shared);
    // one run for the five, and it saw the commit made before it was sent
    expect(new Set(results.map((r) => r.rows[0]!.run)).size).toBe(1);
    expect(results.map((r) => r.rows[0]!.seen)).toEqual([1, 1, 1, 1, 1]);
    expect(new Set(results.map((r) => r.rows)).size).toBe(5);
    // another text, and a statement not marked read-only, run on their own
    const runs = [results[0]!.rows[0]!.run, (await other).rows[0]!.run, (await write).rows[0]!.run];
    expect(new Set(runs).size).toBe(3);
  });

  it("a read sent after the shared one answered runs again and sees later commits", async () => {
    const first = (await driver.query<ReadRow>(READ, [], { readOnly: true })).rows[0]!;
    await driver.query("INSERT INTO shared_reads VALUES (2)");
    const second = (await driver.query<ReadRow>(READ, [], { readOnly: true })).rows[0]!;
    expect(second.run).toBe(first.run + 1);
    expect(second.seen).toBe(first.seen + 1);
  });
});

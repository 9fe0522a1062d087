import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import { createDriver } from "./create-driver.js";
import type { Driver, Queryable, TransactionOptions } from "./driver.js";

const db = useTestDatabase();
/** One connection, so every call below shares a session (PGlite has only one). */
let driver: Driver;

beforeAll(async () => {
  driver = db().kind === "pg" ? await createDriver({ databaseUrl: db().databaseUrl!, max: 1 }) : db().driver;
});

afterAll(async () => {
  if (driver !== db().driver) await driver.close();
});

const MUTATION: TransactionOptions = { isolation: "serializable", origin: "server1", statementTimeoutMs: 30_000 };
const SETTINGS = "SELECT current_setting('convoy.origin', true) AS origin, current_setting('enable_seqscan') AS seqscan";
type Settings = { origin: string | null; seqscan: string };
const settings = async (q: Queryable) => (await q.query<Settings>(SETTINGS)).rows[0]!;
/** A statement that may write, outside a transaction, reports what it ran under. */
const writeSettings = async () => (await driver.query<Settings>(`WITH w AS (SELECT 1) ${SETTINGS}`)).rows[0]!;
const unmarked = (s: Settings) => ({ origin: s.origin ?? "", seqscan: s.seqscan });

describe("session settings of mutations", () => {
  it("a mutation's origin and seqscan setting hold in the mutations after it on the same connection", async () => {
    expect(await driver.transaction(MUTATION, settings)).toEqual({ origin: "server1", seqscan: "off" });
    expect(await driver.transaction(MUTATION, settings)).toEqual({ origin: "server1", seqscan: "off" });
    expect(await driver.transaction({ ...MUTATION, origin: "server2" }, settings)).toEqual({ origin: "server2", seqscan: "off" });
  });

  it("no write outside a mutation runs as one: other transactions and statements get the defaults back", async () => {
    await driver.transaction(MUTATION, settings);
    expect(unmarked(await driver.transaction({ isolation: "read committed" }, settings))).toEqual({ origin: "", seqscan: "on" });
    await driver.transaction(MUTATION, settings);
    expect(unmarked(await writeSettings())).toEqual({ origin: "", seqscan: "on" });
    // and the mutation after them sets its own again
    expect(await driver.transaction(MUTATION, settings)).toEqual({ origin: "server1", seqscan: "off" });
  });

  it("a mutation that rolled back leaves no settings behind, and the next one still has its own", async () => {
    await driver.transaction({ isolation: "read committed" }, settings);
    const failed = await driver
      .transaction({ ...MUTATION, origin: "doomed" }, async (tx) => {
        await tx.query("SELECT 1");
        throw new Error("rolled back");
      })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(Error);
    expect(unmarked(await writeSettings())).toEqual({ origin: "", seqscan: "on" });
    expect(await driver.transaction(MUTATION, settings)).toEqual({ origin: "server1", seqscan: "off" });
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureStorageFor, useTestDatabase } from "../../test/helpers/test-database.js";
import { createRegistrySync } from "../functions/registry.js";
import { createRuntime } from "../runtime/index.js";
import * as counters from "../test/fixtures/convoy/counters.js";
import schema from "../test/fixtures/convoy/schema.js";
import { startTestServer, type TestServer } from "./fixtures/test-server.js";

/**
 * SPEC §5 under real load, through the HTTP server on the PostgreSQL server: 50 clients each
 * send 200 increments (one at a time, as a client does) spread over 100 counters that the
 * increments themselves create. Serializable mutations lose no update and create no duplicate.
 */
const CLIENTS = 50;
const PER_CLIENT = 200;
const COUNTERS = 100;

const db = useTestDatabase();
let server: TestServer;

beforeAll(async () => {
  const runtime = await createRuntime({ driver: db().driver, schema, registry: createRegistrySync({ counters }), ensureStorage: ensureStorageFor(db().driver) });
  server = await startTestServer(db().driver, {}, runtime);
});
afterAll(async () => {
  await server.close();
});

describe("contended increments over HTTP", () => {
  it(`${CLIENTS} clients × ${PER_CLIENT} increments over ${COUNTERS} counters: exact totals`, async () => {
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let i = 0; i < PER_CLIENT; i++) {
          const name = `c${(client * PER_CLIENT + i) % COUNTERS}`;
          const response = await fetch(`${server.url}/api/mutation/counters:increment`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ args: { name } }),
          });
          if (response.status !== 200) failures.push(`${response.status} ${await response.text()}`);
          else await response.arrayBuffer();
        }
      }),
    );
    expect(failures).toEqual([]);
    const { rows } = await db().driver.query<{ name: string; value: number; copies: string }>(
      `SELECT data->>'name' AS name, max((data->>'value')::float8) AS value, count(*) AS copies FROM "counters" GROUP BY 1`,
    );
    expect(rows).toHaveLength(COUNTERS);
    const expected = (CLIENTS * PER_CLIENT) / COUNTERS;
    for (const row of rows) expect({ name: row.name, value: row.value, copies: Number(row.copies) }).toEqual({ name: row.name, value: expected, copies: 1 });
  }, 600_000);
});

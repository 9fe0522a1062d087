import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ensureStorageFor, type TestDatabase } from "../../test/helpers/test-database.js";
import { createPgDriver, type Driver } from "../driver/index.js";
import { LiveSink } from "../realtime/fixtures/live-sink.js";
import { createLiveRegistry, schema } from "../realtime/fixtures/live-app.js";
import { pubSubChannel, createServerFanout, type ServerFanout } from "../realtime/pubsub/index.js";
import { RealtimeEngine } from "../realtime/realtime-engine.js";
import { createRuntime, type Runtime } from "../runtime/index.js";
import { newId } from "../storage/ids.js";

let db: TestDatabase;
let runtime: Runtime;
let engine: RealtimeEngine;
let fanout: ServerFanout;
/** A plain SQL client, as psql or another service would be (no Convoy origin). */
let sql: Driver;
const messages: string[] = [];
const unlisten: (() => Promise<void>)[] = [];
/** Markers go on a channel of their own (the engine would take them for unreadable write sets); one queue keeps them in commit order. */
const MARKERS = "convoy_test_markers";
const sink = new LiveSink();

beforeAll(async () => {
  db = await createTestDatabase();
  runtime = await createRuntime({ driver: db.driver, schema, registry: createLiveRegistry(), ensureStorage: ensureStorageFor(db.driver), origin: "srv1" });
  engine = new RealtimeEngine({ runtime: () => runtime });
  fanout = await createServerFanout({ engine, driver: db.driver, databaseUrl: db.databaseUrl, pgSchema: "public", serverId: "srv1" });
  runtime.onCommit(({ writes }) => fanout.publish(writes));
  sql = db.kind === "pg" ? await createPgDriver({ connectionString: db.databaseUrl!, max: 1 }) : db.driver;
  for (const channel of [pubSubChannel("public"), MARKERS]) unlisten.push(await db.driver.listen(channel, (message) => messages.push(message)));
  const client = engine.connect(sink);
  client.subscribe(1, "messages:byAuthor", { author: "x" });
  client.subscribe(2, "messages:byAuthor", { author: "y" });
  client.subscribe(3, "counters:get", { name: "n5000" });
  await sink.until(() => [1, 2, 3].every((id) => sink.latest(id) !== undefined));
});

afterAll(async () => {
  for (const stop of unlisten) await stop();
  engine.close();
  await fanout.close();
  if (sql !== db.driver) await sql.close();
  await db.close();
});

/** The notifications the triggers sent for the statements `run` makes (a marker closes the window). */
async function notificationsOf(run: () => Promise<unknown>): Promise<string[]> {
  const start = messages.length;
  await run();
  const marker = `marker ${String(Math.random())}`;
  await sql.query("SELECT pg_notify($1, $2)", [MARKERS, marker]);
  while (!messages.includes(marker)) await new Promise((resolve) => setTimeout(resolve, 5));
  return messages.slice(start, messages.indexOf(marker)).filter((message) => message.startsWith("sql "));
}

const json = (value: unknown) => JSON.stringify(value);

/** Mutations run through Convoy so far (each one commit in the engine). */
let ownCommits = 0;

/** Waits until the engine applied every write set published so far and ran the cycle after them. */
async function settled(): Promise<void> {
  const expected = ownCommits + messages.filter((message) => message.startsWith("sql ")).length;
  while (engine.stats.commits < expected) await new Promise((resolve) => setTimeout(resolve, 5));
  await engine.synced(engine.version);
}

/** The live queries that re-ran because of `write` (after everything before it settled). */
async function rerunsOf(write: () => Promise<unknown>, until: () => boolean): Promise<number> {
  await settled();
  const before = engine.stats.reruns;
  await write();
  await sink.until(until);
  await settled();
  return engine.stats.reruns - before;
}

describe("writes made by other SQL clients", () => {
  it("a raw INSERT, UPDATE and DELETE re-run exactly the live queries whose index ranges they touch", async () => {
    const id = newId("messages");
    let notifications: string[] = [];
    const insert = () => sql.query(`INSERT INTO "messages" ("_id", "_creation_time", "data") VALUES ($1, $2, $3::jsonb)`, [id, Date.now(), { author: "x", body: "hi" }]);
    // author "y" and the counter do not re-run
    expect(await rerunsOf(async () => (notifications = await notificationsOf(insert)), () => json(sink.latest(1)) === json(["hi"]))).toBe(1);
    expect(notifications).toHaveLength(1);
    const update = () => sql.query(`UPDATE "messages" SET "data" = jsonb_set("data", '{body}', '"edited"') WHERE "_id" = $1`, [id]);
    expect(await rerunsOf(update, () => json(sink.latest(1)) === json(["edited"]))).toBe(1);
    const remove = () => sql.query(`DELETE FROM "messages" WHERE "_id" = $1`, [id]);
    expect(await rerunsOf(remove, () => json(sink.latest(1)) === json([]))).toBe(1);
  });

  it("a 10,000-row UPDATE is one notification (coarser ranges), and the results are right", async () => {
    const ids = Array.from({ length: 10_000 }, () => newId("counters"));
    const insert = await notificationsOf(() =>
      sql.query(
        `INSERT INTO "counters" ("_id", "_creation_time", "data")
         SELECT t.id, $2::float8 + t.n, jsonb_build_object('name', 'n' || t.n, 'value', 0)
         FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY AS t(id, n)`,
        [ids, Date.now()],
      ),
    );
    expect(insert).toHaveLength(1);
    let update: string[] = [];
    const write = async () => (update = await notificationsOf(() => sql.query(`UPDATE "counters" SET "data" = jsonb_set("data", '{value}', to_jsonb(7))`)));
    expect(await rerunsOf(write, () => sink.latest(3) === 7)).toBe(1); // the messages queries did not re-run
    expect(update).toHaveLength(1);
    expect(Buffer.byteLength(update[0]!)).toBeLessThan(8000);
  });

  it("TRUNCATE re-runs every live query of the table and no other", async () => {
    ownCommits++;
    await runtime.run("mutation", "messages:send", { author: "y", body: "one" });
    await sink.until(() => json(sink.latest(2)) === json(["one"]));
    let truncated: string[] = [];
    const truncate = async () => (truncated = await notificationsOf(() => sql.query(`TRUNCATE "messages"`)));
    expect(await rerunsOf(truncate, () => json(sink.latest(2)) === json([]))).toBe(2); // both messages queries, not the counter
    expect(truncated).toHaveLength(1);
  });

  it("Convoy's own writes are published once, by their server, not by the triggers", async () => {
    ownCommits++;
    const own = await notificationsOf(() => runtime.run("mutation", "messages:send", { author: "x", body: "own" }));
    expect(own).toEqual([]);
    await sink.until(() => json(sink.latest(1)) === json(["own"]));
  });
});

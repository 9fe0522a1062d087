import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ensureStorageFor, type TestDatabase } from "../../test/helpers/test-database.js";
import { syncDriver } from "../../test/schema-sync/sync-helpers.js";
import { createPgDriver, type Driver } from "../driver/index.js";
import { LiveSink } from "../realtime/fixtures/live-sink.js";
import { createLiveRegistry, schema } from "../realtime/fixtures/live-app.js";
import { pubSubChannel, createServerFanout, type ServerFanout } from "../realtime/pubsub/index.js";
import { RealtimeEngine } from "../realtime/realtime-engine.js";
import { createRuntime, type Runtime } from "../runtime/index.js";
import { newId } from "../storage/ids.js";
import { syncSchema } from "./run-sync.js";

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
async function notificationsOf(run: () => Promise<unknown>, table?: string): Promise<string[]> {
  const start = messages.length;
  await run();
  const marker = `marker ${String(Math.random())}`;
  await sql.query("SELECT pg_notify($1, $2)", [MARKERS, marker]);
  while (!messages.includes(marker)) await new Promise((resolve) => setTimeout(resolve, 5));
  // with `table`: only its notifications (a late one of an earlier test's table is not this statement's)
  return messages.slice(start, messages.indexOf(marker)).filter((message) => message.startsWith("sql ") && (table === undefined || message.includes(`[[${JSON.stringify(table)},`)));
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
      "counters",
    );
    expect(insert).toHaveLength(1);
    let update: string[] = [];
    const write = async () => (update = await notificationsOf(() => sql.query(`UPDATE "counters" SET "data" = jsonb_set("data", '{value}', to_jsonb(7))`), "counters"));
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

/** The `messages` triggers: each one's function and whether it has a `WHEN`. */
async function messagesTriggers(): Promise<{ name: string; fn: string; when: boolean }[]> {
  const { rows } = await db.driver.query<{ name: string; fn: string; when: boolean }>(
    `SELECT t.tgname AS name, t.tgfoid::regprocedure::text AS fn, t.tgqual IS NOT NULL AS "when" FROM pg_trigger t
      WHERE t.tgrelid = 'public.messages'::regclass AND NOT t.tgisinternal ORDER BY 1`,
  );
  return rows;
}

describe("convoy sync and the triggers of an older version", () => {
  // before the WHEN: every statement called the function, whose first line returned for Convoy's own
  const OLD_CHECK = "IF coalesce(current_setting('convoy.origin', true), '') <> '' THEN RETURN NULL; END IF;";

  it("Convoy's triggers skip Convoy's statements in their WHEN, not in the function", async () => {
    const triggers = await messagesTriggers();
    expect(triggers.map((t) => [t.name, t.when])).toEqual(["delete", "insert", "truncate", "update"].map((event) => [`convoy_notify_${event}`, true]));
    const { rows } = await db.driver.query<{ source: string }>(`SELECT prosrc AS source FROM pg_proc WHERE oid = $1::regprocedure`, [triggers[0]!.fn]);
    expect(rows[0]!.source).not.toContain("convoy.origin");
  });

  it.each([
    ["the function and the triggers", true],
    ["the triggers only", false],
  ])("replaces old triggers (%s), and external writes are published as before", async (_, oldFunction) => {
    const triggers = await messagesTriggers();
    const fn = triggers[0]!.fn;
    if (oldFunction) {
      const { rows } = await db.driver.query<{ source: string }>(`SELECT prosrc AS source FROM pg_proc WHERE oid = $1::regprocedure`, [fn]);
      const old = rows[0]!.source.replace("BEGIN\n", `BEGIN\n  ${OLD_CHECK}\n`);
      expect(old).toContain(OLD_CHECK);
      await db.driver.query(`CREATE OR REPLACE FUNCTION ${fn} RETURNS trigger LANGUAGE plpgsql AS $old$${old}$old$`);
    }
    const referencing: Record<string, string> = { insert: "REFERENCING NEW TABLE AS convoy_new", update: "REFERENCING OLD TABLE AS convoy_old NEW TABLE AS convoy_new", delete: "REFERENCING OLD TABLE AS convoy_old", truncate: "" };
    for (const event of ["insert", "update", "delete", "truncate"]) {
      await db.driver.query(`CREATE OR REPLACE TRIGGER convoy_notify_${event} AFTER ${event.toUpperCase()} ON public.messages ${referencing[event]!} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}`);
    }
    expect((await messagesTriggers()).every((t) => !t.when)).toBe(true);

    const progress: string[] = [];
    const session = await syncDriver(db);
    try {
      expect((await syncSchema(session.driver, schema, { onProgress: (line) => progress.push(line) })).outcome).toBe("up-to-date");
    } finally {
      await session.close();
    }
    expect(progress.filter((line) => line.includes("triggers of"))).toEqual(["publishing writes of other SQL clients: triggers of messages"]);
    expect((await messagesTriggers()).every((t) => t.when)).toBe(true);

    // a plain client's INSERT is published, a Convoy mutation is not (by the triggers)
    const external = await notificationsOf(() => sql.query(`INSERT INTO "messages" ("_id", "_creation_time", "data") VALUES ($1, $2, $3::jsonb)`, [newId("messages"), Date.now(), { author: "z", body: "raw" }]));
    expect(external).toHaveLength(1);
    expect(external[0]).toMatch(/^sql \["w1",\[\["messages",/);
    ownCommits++;
    expect(await notificationsOf(() => runtime.run("mutation", "messages:send", { author: "z", body: "own" }))).toEqual([]);
  });
});

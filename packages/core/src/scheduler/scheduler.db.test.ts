import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ensureStorageFor, testDriverKind, type TestDatabase } from "../../test/helpers/test-database.js";
import { createPgDriver, type Driver } from "../driver/index.js";
import { isFrameworkError } from "../errors/index.js";
import { anyApi } from "../functions/any-api.js";
import { createRegistrySync } from "../functions/registry.js";
import type { ScheduledFunction } from "../functions/scheduler-types.js";
import { createRuntime, type Runtime } from "../runtime/runtime.js";
import { convoyTest, type ConvoyTest, type ConvoyTestOptions } from "../test/index.js";
import { cronJobs } from "../crons/cron-jobs.js";
import { SchedulerRunner } from "./scheduler-runner.js";
import * as jobs from "./fixtures/convoy/jobs.js";
import schema from "./fixtures/convoy/schema.js";

const serverUrl = process.env.DATABASE_URL_TEST ?? "postgres://postgres@127.0.0.1:5432/postgres";
const options: ConvoyTestOptions = testDriverKind() === "pg" ? { databaseUrl: serverUrl } : {};
const api = anyApi.jobs!;
const registry = createRegistrySync({ jobs });

describe("ctx.scheduler under convoyTest (the harness's clock)", () => {
  let t: ConvoyTest<never>;
  beforeAll(() => {
    t = convoyTest(schema, { jobs }, options) as unknown as ConvoyTest<never>;
  });
  afterAll(() => t.close());

  it("creates a job only when the scheduling mutation commits, runs it after its delay, exactly once", async () => {
    await expect(t.mutation(api.scheduleLog!, { tag: "rolled back", delayMs: 0, fail: true })).rejects.toThrow("changed my mind");
    expect(await t.query(api.jobs!, {})).toEqual([]);

    const id = (await t.mutation(api.scheduleLog!, { tag: "later", delayMs: 60_000 })) as string;
    const pending = (await t.query(api.job!, { id })) as ScheduledFunction;
    expect(pending).toMatchObject({ _id: id, name: "jobs:log", args: [{ tag: "later" }], state: { kind: "pending" } });
    expect(pending.scheduledTime - pending._creationTime).toBe(60_000);
    expect(pending.completedTime).toBeUndefined();

    expect(await t.finishScheduledFunctions()).toBe(0); // not due yet
    await t.advanceTime(59_000);
    expect(await t.finishScheduledFunctions()).toBe(0);
    await t.advanceTime(1_000);
    expect(await t.finishScheduledFunctions()).toBe(1);
    expect(await t.finishScheduledFunctions()).toBe(0); // never twice
    expect(await t.query(api.events!, {})).toEqual(["later"]);
    const done = (await t.query(api.job!, { id })) as ScheduledFunction;
    expect(done.state).toEqual({ kind: "success" });
    expect(done.completedTime).toBeGreaterThanOrEqual(done.scheduledTime);
  });

  it("cancel prevents a pending job; a failing job ends failed with its error and its writes undone", async () => {
    const id = (await t.mutation(api.scheduleLog!, { tag: "canceled", delayMs: 10 })) as string;
    await t.mutation(api.cancel!, { id });
    const failing = (await t.mutation(api.scheduleBoom!, {})) as string;
    const failingAction = (await t.mutation(api.scheduleFailingAction!, {})) as string;
    await t.finishAllScheduledFunctions();
    expect(await t.query(api.job!, { id })).toMatchObject({ state: { kind: "canceled" } });
    expect(await t.query(api.job!, { id: failing })).toMatchObject({ state: { kind: "failed", error: expect.stringContaining("boom") } });
    expect(await t.query(api.job!, { id: failingAction })).toMatchObject({ state: { kind: "failed", error: "the action failed" } });
    expect(await t.query(api.events!, {})).not.toContain("never committed");
    expect(await t.query(api.events!, {})).not.toContain("canceled");
    const kinds = ((await t.query(api.jobs!, {})) as ScheduledFunction[]).map((job) => job.state.kind);
    expect(kinds).not.toContain("pending");
  });

  it("refuses to schedule a query, an unknown function or bad arguments", async () => {
    await expect(t.mutation(api.scheduleQuery!, {})).rejects.toSatisfy((error) => isFrameworkError(error, "NOT_FOUND"));
    await expect(t.mutation(api.scheduleBadArgs!, {})).rejects.toSatisfy((error) => isFrameworkError(error, "ARGS_INVALID"));
  });
});

/** Polls `check` until it holds (tests never assert timings; this only bounds the wait). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("scheduler runners on one database", () => {
  let db: TestDatabase;
  const extraDrivers: Driver[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    await createRuntime({ driver: db.driver, schema, registry, ensureStorage: ensureStorageFor(db.driver) });
  });
  afterAll(async () => {
    for (const driver of extraDrivers) await driver.close();
    await db.close();
  });

  /** A "server": its own connection pool on Postgres (PGlite has one connection), its runtime and a started runner. */
  async function server(crons?: ReturnType<typeof cronJobs>): Promise<{ runtime: Runtime; runner: SchedulerRunner }> {
    let driver = db.driver;
    if (db.databaseUrl !== undefined) {
      driver = await createPgDriver({ connectionString: db.databaseUrl, max: 4 });
      extraDrivers.push(driver);
    }
    const runtime = await createRuntime({ driver, schema, registry });
    const runner = new SchedulerRunner({ runtime: () => runtime, pollIntervalMs: 100 });
    await runner.setCrons(crons);
    runner.start();
    return { runtime, runner };
  }

  const count = async (runtime: Runtime, tag?: string): Promise<number> => {
    const events = (await runtime.run("query", "jobs:events", {})).value as string[];
    return tag === undefined ? events.length : events.filter((event) => event === tag).length;
  };

  it("a restart between scheduling and the due time still runs the job, once", async () => {
    const first = await server();
    await first.runtime.run("mutation", "jobs:scheduleLog", { tag: "survivor", delayMs: 400 });
    await first.runner.stop(); // the server goes away before the job is due
    const second = await server();
    await eventually(async () => (await count(second.runtime, "survivor")) > 0);
    await second.runner.stop();
    expect(await count(second.runtime, "survivor")).toBe(1);
  });

  it("a long job holds one slot, not the runner: a job due later starts while it still runs", async () => {
    const { runtime, runner } = await server();
    const held = (await runtime.run("mutation", "jobs:scheduleHeld", {})).value as string;
    await runtime.run("mutation", "jobs:scheduleLog", { tag: "meanwhile", delayMs: 50 });
    await eventually(async () => (await count(runtime, "meanwhile")) > 0);
    expect(await count(runtime, "released")).toBe(0);
    await runtime.run("mutation", "jobs:log", { tag: "release" }, { allowInternal: true });
    await eventually(async () => (await count(runtime, "released")) > 0);
    await runner.stop();
    expect(await runtime.run("query", "jobs:job", { id: held }).then((result) => result.value)).toMatchObject({ state: { kind: "success" } });
  });

  it("three runners: 300 scheduled mutations each run exactly once", async () => {
    const servers = await Promise.all([server(), server(), server()]);
    await servers[0].runtime.run("mutation", "jobs:scheduleMany", { count: 300, delayMs: 0 });
    const runtime = servers[0].runtime;
    await eventually(async () => {
      const { rows } = await runtime.driver.query<{ n: string }>("SELECT count(*) AS n FROM convoy.scheduled_functions WHERE state = 'pending' OR state = 'inProgress'");
      return Number(rows[0]!.n) === 0;
    }, 120_000);
    await Promise.all(servers.map((s) => s.runner.stop()));
    const events = ((await runtime.run("query", "jobs:events", {})).value as string[]).filter((event) => event.startsWith("job-"));
    expect(events).toHaveLength(300);
    expect(new Set(events).size).toBe(300);
    const { rows } = await runtime.driver.query<{ state: string; n: string }>("SELECT state, count(*) AS n FROM convoy.scheduled_functions WHERE name = 'jobs:log' AND args->>'tag' LIKE 'job-%' GROUP BY state");
    expect(rows.map((row) => [row.state, Number(row.n)])).toEqual([["success", 300]]);
  });

  it("a 1-second cron ticks once per second across three runners", async () => {
    const crons = cronJobs();
    crons.interval("tick", { seconds: 1 }, anyApi.jobs!.log!, { tag: "tick" });
    const servers = await Promise.all([server(crons), server(crons), server(crons)]);
    const runtime = servers[0].runtime;
    await new Promise((resolve) => setTimeout(resolve, 3_300));
    await Promise.all(servers.map((s) => s.runner.stop()));
    // ~3 ticks in ~3.3 s (one per second, not one per runner); a loaded machine may shift one
    const ticks = await count(runtime, "tick");
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(ticks).toBeLessThanOrEqual(4);
  });
});

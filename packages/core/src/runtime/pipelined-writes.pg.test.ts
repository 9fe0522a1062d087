import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgDriver, type Driver } from "../driver/index.js";
import { mutationGeneric, queryGeneric } from "../functions/function-builders.js";
import { createRegistrySync } from "../functions/registry.js";
import { storeRequestResult } from "../realtime/sync/request-log.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { v } from "../values/v.js";
import { RoundTripProxy } from "../../test/helpers/round-trip-proxy.js";
import { ensureStorageFor, useTestDatabase } from "../../test/helpers/test-database.js";
import { createRuntime, type Runtime } from "./runtime.js";

/**
 * Round trips on the wire (counted by a proxy) of the pg driver's pipelined transactions:
 * `BEGIN` goes with the first statement, blind writes with the next statement or `COMMIT`.
 */
const schema = defineSchema({
  counters: defineTable({ name: v.string(), value: v.number() }).index("by_name", ["name"]),
});
const registry = createRegistrySync({
  counters: {
    add: mutationGeneric({ args: { name: v.string() }, handler: (ctx, { name }) => ctx.db.insert("counters", { name, value: 0 }) }),
    increment: mutationGeneric({
      args: { name: v.string() },
      handler: async (ctx, { name }) => {
        const counter = await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", name)).unique();
        await ctx.db.patch(counter!._id, { value: (counter!.value as number) + 1 });
        return (counter!.value as number) + 1;
      },
    }),
    get: queryGeneric({ args: { name: v.string() }, handler: (ctx, { name }) => ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", name)).unique() }),
    nothing: mutationGeneric({ args: {}, handler: () => "no statement" }),
  },
});

const db = useTestDatabase();
let proxy: RoundTripProxy;
let driver: Driver;
let runtime: Runtime;

beforeAll(async () => {
  await createRuntime({ driver: db().driver, schema, registry, ensureStorage: ensureStorageFor(db().driver) });
  const target = new URL(db().databaseUrl!);
  proxy = new RoundTripProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const viaProxy = new URL(target);
  viaProxy.hostname = "127.0.0.1";
  viaProxy.port = String(await proxy.listen());
  driver = await createPgDriver({ connectionString: viaProxy.toString(), max: 1 });
  runtime = await createRuntime({ driver, schema, registry });
});
afterAll(async () => {
  await driver.close();
  await proxy.close();
});

async function roundTrips(call: () => Promise<unknown>): Promise<number> {
  proxy.reset();
  await call();
  return proxy.roundTrips;
}

describe("round trips of a call on Postgres", () => {
  it("an insert-only mutation: one (BEGIN, SET LOCAL, INSERT and COMMIT together; three before)", async () => {
    await runtime.run("mutation", "counters:add", { name: "warm-up" });
    expect(await roundTrips(() => runtime.run("mutation", "counters:add", { name: "a" }))).toBe(1);
    expect((await runtime.run("query", "counters:get", { name: "a" })).value).toMatchObject({ name: "a", value: 0 });
  });

  it("read, then patch: two (BEGIN with the read; the update with COMMIT; four before)", async () => {
    expect(await roundTrips(() => runtime.run("mutation", "counters:increment", { name: "a" }))).toBe(2);
    expect((await runtime.run("query", "counters:get", { name: "a" })).value).toMatchObject({ value: 1 });
  });

  it("a socket mutation with a request id: its request-log row goes with COMMIT", async () => {
    // the log's SELECT with BEGIN; the INSERT, the log's INSERT and COMMIT (five before)
    expect(await roundTrips(() => runtime.run("mutation", "counters:add", { name: "b" }, { around: storeRequestResult("session-1", "request-0") }))).toBe(2);
    const around = storeRequestResult("session-1", "request-1");
    // the log's SELECT with BEGIN; the counter's SELECT; the UPDATE, the log's INSERT and COMMIT (six before)
    expect(await roundTrips(() => runtime.run("mutation", "counters:increment", { name: "a" }, { around }))).toBe(3);
    // the duplicate answers the stored result without running again
    const again = await runtime.run("mutation", "counters:increment", { name: "a" }, { around });
    expect(again.value).toBe(2);
    expect((await runtime.run("query", "counters:get", { name: "a" })).value).toMatchObject({ value: 2 });
  });

  it("a mutation that sends no statement sends nothing; a query stays at one", async () => {
    expect(await roundTrips(() => runtime.run("mutation", "counters:nothing", {}))).toBe(0);
    expect(await roundTrips(() => runtime.run("query", "counters:get", { name: "a" }))).toBe(1);
  });
});

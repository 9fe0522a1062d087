/// <reference types="vite/client" />
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createPgDriver } from "../driver/index.js";
import { testDriverKind } from "../../test/helpers/test-database.js";
import { ConvoyError } from "../values/convoy-error.js";
import { anyApi } from "../functions/any-api.js";
import { mutationGeneric, queryGeneric } from "../functions/function-builders.js";
import { api, internal } from "./fixtures/convoy/_generated/api.js";
import schema from "./fixtures/convoy/schema.js";
import { convoyTest, type ConvoyTestOptions } from "./index.js";

const modules = import.meta.glob("./fixtures/convoy/**/*.ts");
const functionsDir = fileURLToPath(new URL("./fixtures/convoy", import.meta.url));
const serverUrl = process.env.DATABASE_URL_TEST ?? "postgres://postgres@127.0.0.1:5432/postgres";
/** On the postgres project, each harness gets a fresh database on the real server. */
const options: ConvoyTestOptions = testDriverKind() === "pg" ? { databaseUrl: serverUrl } : {};

const open: { close(): Promise<void> }[] = [];
/** Closed after each test. */
function track<THarness extends { close(): Promise<void> }>(t: THarness): THarness {
  open.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

describe("convoyTest", () => {
  it("runs queries and mutations by typed reference, anyApi reference and name", async () => {
    const t = track(convoyTest(schema, modules, options));
    const id = await t.mutation(api.messages.send, { author: "ada", body: " hi " });
    await t.mutation("messages:send", { author: "bob", body: "yo" });
    const byAda = await t.query(api.messages.byAuthor, { author: "ada" });
    expect(byAda).toEqual([{ _id: id, _creationTime: expect.any(Number), author: "ada", body: "hi" }]);
    expect(await t.query(anyApi.messages!.count!, {})).toBe(2);
    expect(await t.query("messages:count")).toBe(2);
  });

  it("calls internal functions and nested functions", async () => {
    const t = track(convoyTest(schema, modules, options));
    const userId = await t.mutation(internal.admin.users.create, { name: "root", admin: true });
    expect(await t.query(api.admin.users.list, {})).toEqual([expect.objectContaining({ _id: userId, name: "root", admin: true })]);
    expect(await t.mutation(api.nesting.survive)).toEqual({ caught: { failed: "doomed" }, users: 3 });
    expect(await t.mutation(internal.messages.clearAll, {})).toBe(0);
  });

  it("t.run gives a writable ctx, in one transaction", async () => {
    const t = track(convoyTest(schema, modules, options));
    const id = await t.run(async (ctx) => ctx.db.insert("counters", { name: "seeded", value: 41 }));
    expect(await t.mutation(api.counters.increment, { name: "seeded" })).toBe(42);
    const doc = await t.run(async (ctx) => ctx.db.get(id));
    expect(doc).toMatchObject({ name: "seeded", value: 42 });
    await expect(
      t.run(async (ctx) => {
        await ctx.db.insert("counters", { name: "rolled back", value: 1 });
        throw new Error("undo");
      }),
    ).rejects.toThrow("undo");
    expect(await t.query(api.counters.get, { name: "rolled back" })).toBe(0);
  });

  it("throws what the runtime throws: ConvoyError with data, ARGS_INVALID, NOT_FOUND", async () => {
    const t = track(convoyTest(schema, modules, options));
    const error = await t.mutation(api.messages.sendThenReject, { author: "x" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConvoyError);
    expect((error as ConvoyError).data).toEqual({ reason: "rejected", author: "x", limit: 3n });
    await expect(t.query("messages:byAuthor", { author: 1 })).rejects.toMatchObject({ code: "ARGS_INVALID", path: "author" });
    await expect(t.query("messages:nope", {})).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(t.query("_generated/api:api", {})).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(t.query("messages:send", {})).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await t.query(api.messages.list, {})).toEqual([]);
  });

  it("gives each convoyTest its own fresh database", async () => {
    const first = track(convoyTest(schema, modules, options));
    const second = track(convoyTest(schema, modules, options));
    await first.mutation(api.messages.send, { author: "a", body: "only in first" });
    expect(await first.query(api.messages.count)).toBe(1);
    expect(await second.query(api.messages.count)).toBe(0);
  });

  it("loads the functions directory when modules are omitted, and finds the schema there", async () => {
    const t = track(convoyTest(undefined, undefined, { ...options, functionsDir }));
    await t.mutation("counters:increment", { name: "dir" });
    expect(await t.query("counters:get", { name: "dir" })).toBe(1);
    const withSchema = track(convoyTest(schema, undefined, { ...options, functionsDir }));
    expect(await withSchema.query(api.messages.list, {})).toEqual([]);
  });

  it("finds the schema among the modules when it is omitted", async () => {
    const t = track(convoyTest(undefined, modules, options));
    await t.mutation("admin/users:create", { name: "x" });
    expect(await t.query("admin/users:list")).toEqual([expect.objectContaining({ name: "x", admin: false })]);
  });

  it("reports a missing functions directory on first use", async () => {
    const t = track(convoyTest(schema, undefined, { ...options, functionsDir: "/definitely/not/here" }));
    await expect(t.query("messages:list")).rejects.toThrow(/cannot read the functions directory/);
  });

  it("close() is idempotent and later calls fail", async () => {
    const t = convoyTest(schema, modules, options);
    await t.mutation(api.messages.send, { author: "a", body: "b" });
    await t.close();
    await t.close();
    await expect(t.query(api.messages.list, {})).rejects.toThrow(/closed/);
    const unused = convoyTest(schema, modules, options);
    await unused.close(); // never started: nothing to close
  });

  it("with databaseUrl, creates a database on the server and drops it on close", async () => {
    if (options.databaseUrl === undefined) {
      // PGlite run: the harness is in memory; closing releases it.
      const t = convoyTest(schema, modules, options);
      expect(await t.query(api.messages.count)).toBe(0);
      await t.close();
      await expect(t.query(api.messages.count)).rejects.toThrow(/closed/);
      return;
    }
    const admin = await createPgDriver({ connectionString: serverUrl, max: 1 });
    const databases = async (): Promise<string[]> =>
      (await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'convoy\\_test\\_%'`)).rows.map((row) => row.datname);
    try {
      const before = new Set(await databases());
      const t = convoyTest(schema, modules, options);
      expect(await t.query(api.messages.count)).toBe(0);
      const created = (await databases()).filter((name) => !before.has(name));
      expect(created).toHaveLength(1);
      await t.close();
      expect(await databases()).not.toContain(created[0]);
    } finally {
      await admin.close();
    }
  });
});

describe("convoyTest withIdentity", () => {
  const whoami = {
    "./auth.ts": {
      whoami: queryGeneric({ handler: (ctx) => ctx.auth.getUserIdentity() }),
      whoamiNested: mutationGeneric({ handler: (ctx) => ctx.runQuery(anyApi.auth!.whoami!, {}) }),
    },
  };

  it("gives calls the identity, nested calls too, and leaves the base harness anonymous", async () => {
    const t = track(convoyTest(undefined, whoami, options));
    const asAda = t.withIdentity({ subject: "ada", name: "Ada" });
    const expected = { subject: "ada", name: "Ada", issuer: "https://convoy.test", tokenIdentifier: "https://convoy.test|ada" };
    expect(await asAda.query("auth:whoami")).toEqual(expected);
    expect(await asAda.mutation("auth:whoamiNested")).toEqual(expected);
    expect(await t.query("auth:whoami")).toBeNull();
  });
});

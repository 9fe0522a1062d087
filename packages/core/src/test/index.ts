/**
 * `@convoy/core/test`: run your functions in tests, on the real engine and a real Postgres (an
 * in-memory PGlite per `convoyTest` call; or, with `{ databaseUrl }`, a fresh database on that
 * server, dropped by `t.close()`). Paste this into `convoy/messages.test.ts`:
 *
 * ```ts
 * import { afterEach, expect, test } from "vitest";
 * import { convoyTest } from "@convoy/core/test";
 * import { api, internal } from "./_generated/api";
 * import schema from "./schema";
 *
 * // The modules of this folder, as convex-test takes them (vitest provides import.meta.glob).
 * const modules = import.meta.glob("./**\/!(*.*.*)*.*s");
 *
 * let t = convoyTest(schema, modules);
 * afterEach(async () => {
 *   await t.close();
 *   t = convoyTest(schema, modules); // a fresh, empty database for the next test
 * });
 *
 * test("sending and listing messages", async () => {
 *   await t.mutation(api.messages.send, { author: "ada", body: "hi" });
 *   const messages = await t.query(api.messages.byAuthor, { author: "ada" });
 *   expect(messages.map((m) => m.body)).toEqual(["hi"]);
 * });
 *
 * test("set up and inspect data directly", async () => {
 *   await t.run(async (ctx) => {
 *     await ctx.db.insert("messages", { author: "bob", body: "seeded" });
 *   });
 *   await t.mutation(internal.messages.clearAll, {}); // internal functions are callable here
 *   expect(await t.run((ctx) => ctx.db.query("messages").collect())).toEqual([]);
 * });
 * ```
 *
 * References may also be `"module:export"` strings (`t.query("messages:byAuthor", {...})`).
 * Errors are thrown as the runtime throws them: a `ConvoyError` with its `data`, or a
 * `FrameworkError` with its `code` (`ARGS_INVALID`, `NOT_FOUND`, …).
 */
export { convoyTest, type ConvoyTest, type ConvoyTestOptions, type DataModelOf } from "./convoy-test.js";
export { loadFunctionsDir } from "./load-functions-dir.js";
export type { IdentityClaims } from "../auth/user-identity.js";

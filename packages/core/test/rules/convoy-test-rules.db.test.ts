import { afterAll, describe, expect, it } from "vitest";
import { convoyTest, type ConvoyTestOptions } from "../../src/test/index.js";
import { testDriverKind } from "../helpers/test-database.js";
import { notes, predicateRules, schema } from "./rules-fixture.js";

const serverUrl = process.env.DATABASE_URL_TEST ?? "postgres://postgres@127.0.0.1:5432/postgres";
const options: ConvoyTestOptions = testDriverKind() === "pg" ? { databaseUrl: serverUrl } : {};

/** `convoyTest` finds `rules.ts` among the modules, like `schema.ts`: `withIdentity` calls obey it, `t.run` is administrative. */
describe("convoyTest with rules.ts", () => {
  const t = convoyTest(undefined, { "./schema.ts": { default: schema }, "./rules.ts": () => Promise.resolve({ default: predicateRules }), "./notes.ts": notes }, options);
  afterAll(() => t.close());

  it("applies the rules to query/mutation calls and not to t.run", async () => {
    await t.run(async (ctx) => {
      await ctx.db.insert("notes", { owner: "bob", public: false, rank: 1, body: "b" });
      await ctx.db.insert("notes", { owner: "ada", public: false, rank: 2, body: "a" });
    });
    const asAda = t.withIdentity({ subject: "ada" });
    expect(await asAda.query("notes:count")).toBe(1);
    expect(await t.query("notes:count")).toBe(0);
    await expect(asAda.mutation("notes:insert", { owner: "bob", public: true, rank: 3, body: "x" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await t.run((ctx) => ctx.db.query("notes").count())).toBe(2);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { identityFromTestClaims } from "../auth/user-identity.js";
import { createTestDatabase, ensureStorageFor, type TestDatabase } from "../../test/helpers/test-database.js";
import { filterRules, predicateRules, registry, schema } from "../../test/rules/rules-fixture.js";
import { createRuntime, type Runtime } from "../runtime/index.js";
import type { Transition } from "./engine-client.js";
import { RealtimeEngine } from "./realtime-engine.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  const runtime = await createRuntime({ driver: db.driver, schema, registry, ensureStorage: ensureStorageFor(db.driver) });
  await runtime.runHandler("mutation", async (ctx) => {
    await ctx.db.insert("notes", { owner: "bob", public: false, rank: 1, body: "bob's secret" });
    await ctx.db.insert("notes", { owner: "bob", public: true, rank: 2, body: "bob's post" });
  });
});

afterAll(async () => {
  await db.close();
});

const alice = identityFromTestClaims({ subject: "alice" });

describe.each([
  ["filter", filterRules],
  ["predicate", predicateRules],
])("live queries under table rules (%s read rule)", (_, rules) => {
  it("applies the rules to a user's queries run together in one transaction", async () => {
    const runtime: Runtime = await createRuntime({ driver: db.driver, schema, registry, rules });
    const engine = new RealtimeEngine({ runtime });
    const transitions: Transition[] = [];
    const client = engine.connect({ transition: (t) => transitions.push(t) }, alice);
    // two subscriptions of one identity in one cycle: one snapshot, one transaction
    client.subscribe(1, "notes:take", { n: 10 });
    client.subscribe(2, "notes:collect", {});
    await engine.synced(engine.version);
    expect(transitions).toHaveLength(1);
    for (const result of transitions[0]!.results) {
      const { value } = JSON.parse(`{${result.text}}`) as { value: { body: string }[] };
      expect(value.map((note) => note.body)).toEqual(["bob's post"]);
    }
    engine.close();
  });
});

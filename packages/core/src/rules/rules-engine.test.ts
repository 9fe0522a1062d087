import { describe, expect, it } from "vitest";
import { defineRulesGeneric } from "../server/rules.js";
import { createCatalog } from "../storage/catalog.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { v } from "../values/index.js";
import { RulesEngine } from "./rules-engine.js";

const catalog = createCatalog(defineSchema({ notes: defineTable({ text: v.string() }) }));

describe("RulesEngine.allowsEverything", () => {
  it("holds only without table rules and with the default policy allow", () => {
    expect(RulesEngine.create(defineRulesGeneric({}), catalog).allowsEverything).toBe(true);
    expect(RulesEngine.create(defineRulesGeneric({ defaultPolicy: "allow" }), catalog).allowsEverything).toBe(true);
    expect(RulesEngine.create(defineRulesGeneric({ defaultPolicy: "deny" }), catalog).allowsEverything).toBe(false);
    expect(RulesEngine.create(defineRulesGeneric({ notes: { insert: () => true } }), catalog).allowsEverything).toBe(false);
  });

  it("still checks the rules against the schema", () => {
    expect(() => RulesEngine.create(defineRulesGeneric({ missing: { read: () => true } }), catalog)).toThrow(/not a table of the schema/);
  });
});

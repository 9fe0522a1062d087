import { describe, expect, it } from "vitest";
import { defineSchema } from "../schema/schema-definition.js";
import { internalMutationGeneric, mutationGeneric, queryGeneric } from "./function-builders.js";
import { modulePathFromKey, normalizeFunctionName } from "./function-name.js";
import { createRegistry, createRegistrySync } from "./registry.js";

const list = queryGeneric({ handler: () => [] });
const send = mutationGeneric({ handler: () => null });
const reset = internalMutationGeneric({ handler: () => null });

describe("module paths", () => {
  it.each([
    ["./messages.ts", "messages"],
    ["./admin/users.ts", "admin/users"],
    ["admin/users", "admin/users"],
    ["messages", "messages"],
    ["./a/b/c.mjs", "a/b/c"],
    ["./x.tsx", "x"],
    ["./_generated/api.js", null],
    ["./_helpers.ts", null],
    ["./lib/_private.ts", null],
    ["./.hidden/x.ts", null],
    ["./auth.config.ts", null],
    ["./messages.test.ts", null],
    ["./api.d.ts", null],
    ["./data.json", null],
    ["./README.md", null],
  ])("%s → %s", (key, expected) => {
    expect(modulePathFromKey(key)).toBe(expected);
  });

  it("normalizes function names", () => {
    expect(normalizeFunctionName("messages")).toBe("messages:default");
    expect(normalizeFunctionName("admin/users.js:list")).toBe("admin/users:list");
    expect(normalizeFunctionName("admin/users:list")).toBe("admin/users:list");
  });
});

describe("registry", () => {
  it("names functions module:export and keeps only registered functions", () => {
    const registry = createRegistrySync({
      "./messages.ts": { list, send, helper: () => 1, constant: 3 },
      "./admin/users.ts": { list, reset },
      "./schema.ts": { default: defineSchema({}) },
      "./_generated/server.ts": { query: queryGeneric },
      "./lib/_util.ts": { hidden: list },
      "./auth.config.ts": { default: list },
    });
    expect(registry.entries().map((entry) => [entry.name, entry.kind, entry.visibility])).toEqual([
      ["admin/users:list", "query", "public"],
      ["admin/users:reset", "mutation", "internal"],
      ["messages:list", "query", "public"],
      ["messages:send", "mutation", "public"],
    ]);
    expect(registry.size).toBe(4);
    expect(registry.get("admin/users:reset")).toMatchObject({ modulePath: "admin/users", exportName: "reset", fn: reset });
    expect(registry.get("messages:nope")).toBeUndefined();
    expect(registry.get("")).toBeUndefined();
  });

  it("finds a default export by module name", () => {
    const registry = createRegistrySync({ home: { default: list } });
    expect(registry.get("home")?.name).toBe("home:default");
    expect(registry.get("home:default")?.fn).toBe(list);
  });

  it("strips the prefix before _generated/ (glob keys from another folder)", () => {
    const registry = createRegistrySync({
      "/app/convoy/messages.ts": { list },
      "/app/convoy/_generated/api.ts": {},
      "/app/convoy/admin/users.ts": { list },
    });
    expect(registry.entries().map((entry) => entry.name)).toEqual(["admin/users:list", "messages:list"]);
  });

  it("loads lazy modules (import.meta.glob without eager)", async () => {
    const registry = await createRegistry({
      "./messages.ts": () => Promise.resolve({ list, send }),
      "./admin/users.ts": { reset },
      "./_generated/api.ts": () => Promise.reject(new Error("never loaded")),
    });
    expect(registry.entries().map((entry) => entry.name)).toEqual(["admin/users:reset", "messages:list", "messages:send"]);
  });

  it("refuses lazy modules in the sync form and duplicate names", async () => {
    expect(() => createRegistrySync({ "./messages.ts": () => Promise.resolve({}) })).toThrow(/loader function/);
    expect(() => createRegistrySync({ "./messages.ts": { list }, "./messages.js": { list } })).toThrow(/two modules define the function "messages:list"/);
    await expect(createRegistry({ "./messages.ts": { list }, "./messages.js": { send } })).rejects.toThrow(/two files are the module "messages"/);
  });
});

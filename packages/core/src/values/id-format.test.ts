import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isIdOfTable, tableTag, tagOfId } from "./id-format.js";
import { v } from "./v.js";
import { validateValue } from "./validate-value.js";
import { newId } from "../storage/ids.js";

describe("table tags (browser-safe)", () => {
  it("are the first 3 bytes of the SHA-256 of the table name, as node:crypto computes it", () => {
    const names = ["messages", "users", "a", "é漢字🙂", ...Array.from({ length: 70 }, (_, n) => "x".repeat(n + 1))];
    for (const name of names) expect(tableTag(name)).toBe(createHash("sha256").update(name).digest().readUIntBE(0, 3));
  });
});

describe("id format", () => {
  it("reads the table tag of ids made by newId", () => {
    for (const table of ["messages", "users", "a", "table with spaces"]) {
      const id = newId(table);
      expect(tagOfId(id)).toBe(tableTag(table));
      expect(isIdOfTable(id, table)).toBe(true);
    }
  });
});

describe("v.id(table) validation", () => {
  const args = v.object({ user: v.id("users"), tags: v.optional(v.array(v.id("tags"))) });

  it("accepts an id of its table", () => {
    expect(validateValue(args, { user: newId("users"), tags: [newId("tags")] }, "args")).toBeNull();
  });

  it("rejects an id of another table, naming the path", () => {
    const issue = validateValue(args, { user: newId("messages") }, "args");
    expect(issue?.path).toEqual(["user"]);
    expect(issue?.message).toBe('args.user: expected Id<"users">, got an id of another table');
    expect(validateValue(args, { user: newId("users"), tags: [newId("tags"), newId("users")] }, "args")?.path).toEqual(["tags", 1]);
  });

  it("rejects a string that is not an id", () => {
    const issue = validateValue(args, { user: "not-an-id" }, "args");
    expect(issue?.path).toEqual(["user"]);
    expect(issue?.message).toContain("not a document id");
  });

  it("checks ids in unions and record keys too", () => {
    const either = v.union(v.id("users"), v.null());
    expect(validateValue(either, newId("messages"))).not.toBeNull();
    expect(validateValue(either, newId("users"))).toBeNull();
    const record = v.record(v.id("users"), v.number());
    expect(validateValue(record, { [newId("users")]: 1 })).toBeNull();
    expect(validateValue(record, { [newId("tags")]: 1 })).not.toBeNull();
  });
});

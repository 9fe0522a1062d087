import { describe, expect, it } from "vitest";
import { isIdFormat, isIdOfTable, newCreationTime, newId, tableTag, tagOfId } from "./ids.js";

describe("ids", () => {
  it("are 26 URL-safe characters that name their table", () => {
    const id = newId("messages");
    expect(id).toMatch(/^[0-9a-z]{26}$/);
    expect(encodeURIComponent(id)).toBe(id);
    expect(isIdFormat(id)).toBe(true);
    expect(tagOfId(id)).toBe(tableTag("messages"));
    expect(isIdOfTable(id, "messages")).toBe(true);
    expect(isIdOfTable(id, "users")).toBe(false);
  });

  it("are unique and sort by creation time, also within one millisecond", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => newId("t", 1_700_000_000_000 + Math.floor(i / 1000)));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const later = newId("t", 1_800_000_000_000);
    expect(later > ids.at(-1)!).toBe(true);
  });

  it("rejects strings that are not ids", () => {
    for (const s of ["", "abc", "0".repeat(25), "8".repeat(26), "0".repeat(25) + "u", "0".repeat(25) + "I", " ".repeat(26)]) {
      expect(isIdFormat(s)).toBe(false);
      expect(tagOfId(s)).toBeNull();
    }
  });

  it("creation times strictly increase in one process", () => {
    const times = Array.from({ length: 100 }, () => newCreationTime(1000));
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
  });
});

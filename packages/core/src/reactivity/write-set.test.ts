import { describe, expect, it } from "vitest";
import { idKey, pointSpan } from "./key-span.js";
import { writeSetOf } from "./write-set.js";

const spans = (...keys: string[]) => keys.map(pointSpan);

describe("writeSetOf", () => {
  it("touches the old and new key of every index, and the id in by_id", () => {
    const set = writeSetOf([
      { table: "t", id: "a", op: "insert", newKeys: { by_x: "0a", by_y: "0b" } },
      { table: "t", id: "b", op: "update", oldKeys: { by_x: "03", by_y: "0b" }, newKeys: { by_x: "05", by_y: "0b" } },
      { table: "u", id: "c", op: "delete", oldKeys: { by_z: "01" } },
    ]);
    expect(set.everything).toBe(false);
    expect(set.tables.get("t")).toEqual(
      new Map([
        ["by_x", spans("03", "05", "0a")],
        ["by_y", spans("0b")],
        ["by_id", [idKey("a"), idKey("b")].sort().map(pointSpan)],
      ]),
    );
    expect(set.tables.get("u")).toEqual(new Map([["by_z", spans("01")], ["by_id", spans(idKey("c"))]]));
  });

  it("leaves out (wholly touched) an index some record of its table has no key for", () => {
    const set = writeSetOf([
      { table: "t", id: "a", op: "insert", newKeys: { by_x: "0a", by_y: "0b" } },
      { table: "t", id: "b", op: "update", oldKeys: { by_x: "03" }, newKeys: { by_x: "05", by_y: "0c" } },
    ]);
    expect([...set.tables.get("t")!.keys()].sort()).toEqual(["by_id", "by_x"]);
  });

  it("keeps only by_id for a table with a record without keys (a write seen from outside)", () => {
    const set = writeSetOf([
      { table: "t", id: "a", op: "insert", newKeys: { by_x: "0a" } },
      { table: "t", id: "b", op: "update", newKeys: { by_x: "05" } },
    ]);
    expect([...set.tables.get("t")!.keys()]).toEqual(["by_id"]);
  });
});

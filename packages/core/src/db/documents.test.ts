import { describe, expect, it } from "vitest";
import { defineSchema, defineTable } from "../schema/index.js";
import { createCatalog } from "../storage/catalog.js";
import { newId } from "../storage/ids.js";
import { indexKey } from "../storage/index-key.js";
import { bytesToHex as toHex } from "../storage/sort-key.js";
import { toStored } from "../storage/stored-value.js";
import { v } from "../values/index.js";
import { decodeRow, indexKeysOf } from "./documents.js";

const schema = defineSchema({
  things: defineTable(v.any())
    .index("by_a", ["a"])
    .index("by_a_b", ["a", "b"])
    .index("by_nested", ["n.x", "a"]),
});
const table = createCatalog(schema).tables.get("things")!;

const documents: Record<string, unknown>[] = [
  { a: 1, b: "two", n: { x: [1, 2] } },
  { a: "a\u0000b", n: null },
  { b: 3n, n: { x: { deep: true } } },
  { a: -0, b: new ArrayBuffer(3), n: { y: 1 } },
  {},
];

describe("indexKeysOf", () => {
  it.each(documents.map((document, i) => [i, document] as const))("document %i: the same keys as indexKey for every index", (_i, fields) => {
    const document = { ...fields, _id: newId("things"), _creationTime: 1700000000000.5 };
    const expected = Object.fromEntries([...table.indexes].map(([name, index]) => [name, toHex(indexKey(document, index.fields))]));
    expect(Object.keys(expected).sort()).toEqual(["by_a", "by_a_b", "by_creation_time", "by_id", "by_nested"]);
    expect(indexKeysOf(table, document)).toEqual(expected);
  });
});

describe("decodeRow", () => {
  it("decodes every stored field into fresh objects, system fields first", () => {
    const data = toStored({ a: 1n, b: [1, { c: -0 }], d: new Uint8Array([1, 2]).buffer, ["__proto__"]: { x: 1 } }) as never;
    const row = { _id: "id", _creation_time: 5, data };
    const first = decodeRow(row, table);
    const second = decodeRow(row, table);
    expect(Object.keys(first)).toEqual(["_id", "_creationTime", "a", "b", "d", "__proto__"]);
    expect(first).toEqual(second);
    expect(first.b).not.toBe(second.b);
    expect(first.a).toBe(1n);
    expect(Object.is((first.b as [number, { c: number }])[1].c, -0)).toBe(true);
    expect(Object.getPrototypeOf(first)).toBe(Object.prototype);
    expect(Object.hasOwn(first, "__proto__")).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { parseExportJson, toExportJson } from "./export-json.js";

describe("Convex's export JSON", () => {
  it("writes int64 as bare integers and floats with a dot, NaN/Infinity and bytes tagged", () => {
    expect(toExportJson({ i: 42n, f: 42, z: -0, big: 1e21, max: 9223372036854775807n })).toBe('{"i":42,"f":42.0,"z":-0.0,"big":1e+21,"max":9223372036854775807}');
    expect(toExportJson([Number.NaN, Number.POSITIVE_INFINITY, new Uint8Array([0, 16, 131]).buffer])).toBe('[{"$float":"AAAAAAAA+H8="},{"$float":"AAAAAAAA8H8="},{"$bytes":"ABCD"}]');
  });

  it("reads what it writes, and what Convex writes, without losing int64 or float-ness", () => {
    const value = { s: "é🚀\u2028\"\\", n: null, t: true, a: [1n, 1.5, -0, { deep: [] }], min: -9223372036854775808n, nan: Number.NaN, inf: Number.NEGATIVE_INFINITY };
    const back = parseExportJson(toExportJson(value)) as Record<string, unknown>;
    expect(back).toEqual(value);
    expect(Object.is((back.a as unknown[])[2], -0)).toBe(true);
    expect(parseExportJson('{"x": 1.0, "y": 1, "z": 1E2, "w": {"$integer": "AQAAAAAAAAA="}}')).toEqual({ x: 1, y: 1n, z: 100, w: 1n });
    expect(typeof (parseExportJson("[1.0]") as unknown[])[0]).toBe("number");
    // past int64: a float, as Convex's importer reads it
    expect(parseExportJson("9223372036854775808")).toBe(9223372036854775808);
  });

  it("refuses malformed lines with the column", () => {
    expect(() => parseExportJson('{"a": 1,}')).toThrow(/column 9/);
    expect(() => parseExportJson('{"a": 1} x')).toThrow(/after the JSON value/);
    expect(() => parseExportJson('{"a": {"$nope": "x"}}')).toThrow(/\$nope/);
    expect(() => parseExportJson('"unterminated')).toThrow(/unterminated/);
  });
});

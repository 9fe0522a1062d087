import { describe, expect, it } from "vitest";
import { parseShapeWhere } from "./shape-where.js";

const params = (...values: string[]) => new Map(values.map((value, i) => [i + 1, value]));

describe("parseShapeWhere", () => {
  it("rewrites comparisons of the system columns into its own where, every value a parameter", () => {
    expect(parseShapeWhere(`_id = $1`, params("a'b"))).toEqual({ sql: `"_id" = $1`, params: ["a'b"] });
    expect(parseShapeWhere(`"_creation_time" >= 17.5 and _id IN ('x', $1, 'y''z')`, params("w"))).toEqual({
      sql: `"_creation_time" >= $1 AND "_id" IN ($2, $3, $4)`,
      params: ["17.5", "x", "w", "y'z"],
    });
  });

  it.each([
    [`_id = $1 OR true`, params("a")],
    [`true`, params()],
    [`data->>'owner' = 'grace'`, params()],
    [`_id = $1; DROP TABLE notes`, params("a")],
    [`_id = $1 -- comment`, params("a")],
    [`_id = ($1)`, params("a")],
    [`_id <> $1`, params("a")],
    [`_id = lower($1)`, params("a")],
    [`owner = $1`, params("grace")],
    [`_id = $2`, params("a", "b")],
    [`_id = $1`, params()],
    [`_id = $1 AND`, params("a")],
    [`_creation_time > $1`, params("1 OR 1=1")],
    [`NOT _id = $1`, params("a")],
  ])("refuses %s", (where, given) => {
    expect(() => parseShapeWhere(where, given)).toThrow(expect.objectContaining({ code: "BAD_REQUEST" }));
  });
});

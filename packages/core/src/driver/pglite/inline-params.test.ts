import { describe, expect, it } from "vitest";
import { inlineParams } from "./inline-params.js";

describe("inlineParams", () => {
  it("replaces each placeholder with its value dollar-quoted, outside quoted identifiers and strings", () => {
    expect(inlineParams(`INSERT INTO "t$1" ("a", 'b$2') VALUES ($1, $2::jsonb, $3, $4, $10)`, ["it's \\ x", { n: [1] }, null, 1.5, ...Array.from({ length: 5 }, () => true), new Uint8Array([0, 255])])).toBe(
      `INSERT INTO "t$1" ("a", 'b$2') VALUES ($convoy_v$it's \\ x$convoy_v$, $convoy_v\${"n":[1]}$convoy_v$::jsonb, NULL, $convoy_v$1.5$convoy_v$, $convoy_v$\\x00ff$convoy_v$)`,
    );
  });

  it("gives up on what a literal cannot carry exactly", () => {
    expect(inlineParams("SELECT $1", ["a\u0000b"])).toBeUndefined();
    expect(inlineParams("SELECT $1", ["a$convoy_v$b"])).toBeUndefined();
    expect(inlineParams("SELECT $2", ["a"])).toBeUndefined();
    expect(inlineParams("SELECT $1", [Symbol("s")])).toBeUndefined();
  });
});

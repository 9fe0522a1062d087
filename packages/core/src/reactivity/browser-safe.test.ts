import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { describe, expect, it } from "vitest";

describe("reactivity is browser-safe", () => {
  it("bundles for the browser from reactivity/ and values/ alone (no Node built-ins, no server code)", async () => {
    const result = await esbuild.build({
      entryPoints: [fileURLToPath(new URL("./index.ts", import.meta.url))],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.length).toBeGreaterThan(0);
    expect(inputs.filter((input) => !/src\/(reactivity|values)\/[^/]+\.ts$/.test(input))).toEqual([]);
  });
});

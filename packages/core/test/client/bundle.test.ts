/*
 * What reaches a browser: esbuild bundles an entry that imports the generated `api` and the
 * client (and, separately, the React adapter). The bundles hold no function code, no schema,
 * nothing of pg or PGlite; their minified + gzipped sizes are printed (the client alone must
 * stay under 10 kB).
 */
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { describe, expect, it } from "vitest";

const here = fileURLToPath(new URL(".", import.meta.url));
const src = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));
const coreExports = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { exports: Record<string, unknown> }).exports;
const alias = {
  ...Object.fromEntries(
    Object.keys(coreExports)
      .filter((key) => key !== "./package.json")
      .map((key) => [`@convoy/core/${key.slice(2)}`, src(`${key.slice(2)}/index.ts`)]),
  ),
  "@convoy/react-query": fileURLToPath(new URL("../../../react-query/src/index.ts", import.meta.url)),
};

interface Bundle {
  code: string;
  inputs: string[];
  minified: number;
  gzipped: number;
}

async function bundle(contents: string, external: string[] = []): Promise<Bundle> {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: here, loader: "ts", sourcefile: "entry.ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    metafile: true,
    alias,
    external,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]!.text;
  return { code, inputs: Object.keys(result.metafile.inputs), minified: Buffer.byteLength(code), gzipped: gzipSync(code, { level: 9 }).length };
}

const kB = (bytes: number) => `${(bytes / 1024).toFixed(2)} kB`;

/** Inputs that would mean server code, the database or Node built-ins reached the bundle. */
const FORBIDDEN_INPUTS = /(^|\/)(src\/(driver|db|runtime|storage|http|cli|codegen|schema|server|test)\/|node_modules\/(pg|pg-[a-z-]+|@electric-sql|ws)\/|fixture\/convoy\/(?!_generated\/api\.js)|node:)/;
/** Strings that only function code, the schema, pg or PGlite contain. */
const FORBIDDEN_TEXT = ["EMPTY_TITLE", "withIndex", "ctx.db", "defineSchema", "by_title", "postgres", "PGlite", "pglite", "SELECT", "handler"];

function expectBrowserOnly(result: Bundle): void {
  expect(result.inputs.filter((input) => FORBIDDEN_INPUTS.test(input))).toEqual([]);
  for (const text of FORBIDDEN_TEXT) expect(result.code, `bundle contains ${JSON.stringify(text)}`).not.toContain(text);
}

describe("browser bundles", () => {
  it("the generated api and the client: no server code, under 10 kB gzipped", async () => {
    const result = await bundle(`
      import { ConvoyHttpClient, ConvoyRequestError } from "@convoy/core/browser";
      import { api } from "./fixture/convoy/_generated/api.js";
      const client = new ConvoyHttpClient(location.origin);
      client.setAuth(() => localStorage.getItem("token"));
      try {
        console.log(await client.query(api.notes.list), await client.mutation(api.notes.add, { title: "x", stars: 1n }));
      } catch (error) {
        if (error instanceof ConvoyRequestError) console.log(error.code, error.data);
      }
    `);
    expect(result.inputs.some((input) => input.endsWith("fixture/convoy/_generated/api.js"))).toBe(true);
    expectBrowserOnly(result);
    console.log(`client + api: ${kB(result.minified)} minified, ${kB(result.gzipped)} minified + gzipped (${result.inputs.length} modules)`);
    expect(result.gzipped).toBeLessThan(10 * 1024);
  });

  it("the live client (ConvoyClient) and the api: no server code, no ws, under 10 kB gzipped", async () => {
    const result = await bundle(`
      import { ConvoyClient, ConvoyRequestError } from "@convoy/core/browser";
      import { api } from "./fixture/convoy/_generated/api.js";
      const client = new ConvoyClient(location.origin);
      client.setAuth(() => localStorage.getItem("token"));
      const stop = client.onUpdate(api.notes.list, {}, (notes) => console.log(notes), (error) => console.log(error.code));
      try {
        console.log(await client.mutation(api.notes.add, { title: "x", stars: 1n }), client.connectionState());
      } catch (error) {
        if (error instanceof ConvoyRequestError) console.log(error.code, error.data);
      }
      stop();
    `);
    expectBrowserOnly(result);
    console.log(`ConvoyClient + api: ${kB(result.minified)} minified, ${kB(result.gzipped)} minified + gzipped (${result.inputs.length} modules)`);
    expect(result.gzipped).toBeLessThan(10 * 1024);
  });

  it("the React adapter over the client (react and TanStack Query external): no server code", async () => {
    const result = await bundle(
      `
      import { ConvoyHttpClient } from "@convoy/core/browser";
      import { ConvoyQueryClient, convoyQuery, useConvoyMutation } from "@convoy/react-query";
      import { QueryClient } from "@tanstack/react-query";
      import { api } from "./fixture/convoy/_generated/api.js";
      const queryClient = new QueryClient();
      new ConvoyQueryClient(new ConvoyHttpClient(location.origin), queryClient);
      export const options = convoyQuery(api.notes.list, {});
      export function useAdd() { return useConvoyMutation(api.notes.add); }
    `,
      ["react", "@tanstack/react-query"],
    );
    expectBrowserOnly(result);
    console.log(`client + api + @convoy/react-query: ${kB(result.minified)} minified, ${kB(result.gzipped)} minified + gzipped`);
    expect(result.gzipped).toBeLessThan(12 * 1024);
  });

  it("the React adapter over the live client (react and TanStack Query external): no server code, no ws", async () => {
    const result = await bundle(
      `
      import { ConvoyClient } from "@convoy/core/browser";
      import { ConvoyQueryClient, convoyQuery, useConvoyMutation } from "@convoy/react-query";
      import { QueryClient } from "@tanstack/react-query";
      import { api } from "./fixture/convoy/_generated/api.js";
      const queryClient = new QueryClient();
      new ConvoyQueryClient(new ConvoyClient(location.origin), queryClient);
      export const options = convoyQuery(api.notes.list, {});
      export function useAdd() { return useConvoyMutation(api.notes.add); }
    `,
      ["react", "@tanstack/react-query"],
    );
    expectBrowserOnly(result);
    console.log(`ConvoyClient + api + @convoy/react-query: ${kB(result.minified)} minified, ${kB(result.gzipped)} minified + gzipped`);
    expect(result.gzipped).toBeLessThan(12 * 1024);
  });
});

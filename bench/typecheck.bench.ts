/**
 * Type-check time of a generated 50-module Convoy app (`npm run bench -- typecheck`): writes
 * the app (10 tables, 50 modules of 4 functions each, and a client file that calls every
 * function through the generated `api`) under `.tmp/`, runs `convoy codegen`'s generator, then
 * `tsc --noEmit --extendedDiagnostics` against the built `convoy` package (as a user's app
 * would see it). A 1-module app is the baseline: the difference is what the app's types cost.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { runCodegen } from "../packages/core/src/codegen/index.js";

const root = resolve(import.meta.dirname, "..");
const TABLES = 10;

function schemaSource(): string {
  const tables = Array.from({ length: TABLES }, (_, t) =>
    `  table${t}: defineTable({ name: v.string(), count: v.number(), big: v.int64(), tags: v.array(v.string()), owner: v.optional(v.id("table${(t + 1) % TABLES}")), meta: v.object({ a: v.boolean(), b: v.union(v.literal("x"), v.literal("y")) }) }).index("by_name", ["name"]).index("by_count", ["count", "name"]),`,
  ).join("\n");
  return `import { defineSchema, defineTable } from "@convoy/core/server";\nimport { v } from "@convoy/core/values";\n\nexport default defineSchema({\n${tables}\n});\n`;
}

function moduleSource(index: number): string {
  const table = `table${index % TABLES}`;
  return `import { v } from "@convoy/core/values";
import { mutation, query, internalQuery } from "../_generated/server.js";

export const list = query({ args: { limit: v.optional(v.number()) }, handler: async (ctx, { limit }) => ctx.db.query("${table}").order("desc").take(limit ?? 10) });
export const byName = query({
  args: { name: v.string() },
  handler: async (ctx, { name }) => ctx.db.query("${table}").withIndex("by_name", (q) => q.eq("name", name)).unique(),
});
export const add = mutation({
  args: { name: v.string(), count: v.number(), tags: v.array(v.string()) },
  handler: async (ctx, args) => ctx.db.insert("${table}", { ...args, big: 0n, meta: { a: true, b: "x" } }),
});
export const bump = internalQuery({ args: { id: v.id("${table}") }, handler: async (ctx, { id }) => (await ctx.db.get(id))?.count ?? 0 });
`;
}

function clientSource(modules: number): string {
  const calls = Array.from({ length: modules }, (_, i) => {
    const mod = `api.group${i % 5}.module${i}`;
    return `  const l${i} = await client.query(${mod}.list, { limit: 5 });
  const n${i} = await client.query(${mod}.byName, { name: "x" });
  const id${i} = await client.mutation(${mod}.add, { name: "x", count: 1, tags: [] });
  total += l${i}.length + (n${i}?.count ?? 0) + id${i}.length;`;
  }).join("\n");
  return `import { ConvoyHttpClient } from "@convoy/core/browser";\nimport { api } from "./convoy/_generated/api.js";\n\nexport async function main(): Promise<number> {\n  const client = new ConvoyHttpClient("http://localhost:3700");\n  let total = 0;\n${calls}\n  return total;\n}\n`;
}

interface Diagnostics {
  files: number;
  types: number;
  instantiations: number;
  memoryKb: number;
  checkSeconds: number;
  totalSeconds: number;
}

async function measure(modules: number): Promise<Diagnostics> {
  const app = join(root, ".tmp", `typecheck-${modules}-modules`);
  rmSync(app, { recursive: true, force: true });
  const functionsDir = join(app, "convoy");
  mkdirSync(functionsDir, { recursive: true });
  writeFileSync(join(functionsDir, "schema.ts"), schemaSource());
  for (let i = 0; i < modules; i++) {
    mkdirSync(join(functionsDir, `group${i % 5}`), { recursive: true });
    writeFileSync(join(functionsDir, `group${i % 5}`, `module${i}.ts`), moduleSource(i));
  }
  await runCodegen(functionsDir);
  writeFileSync(join(app, "client.ts"), clientSource(modules));
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { strict: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", lib: ["ES2023", "DOM"], noEmit: true, skipLibCheck: true, types: [] },
      include: ["client.ts", "convoy"],
    }),
  );
  let output: string;
  try {
    output = execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.json", "--extendedDiagnostics"], { cwd: app, encoding: "utf8" });
  } catch (error) {
    throw new Error(`the ${modules}-module app does not type-check:\n${String((error as { stdout?: string }).stdout ?? error)}`);
  }
  const number = (label: string): number => Number(new RegExp(`^${label}:\\s+([\\d.]+)`, "m").exec(output)?.[1] ?? Number.NaN);
  return {
    files: number("Files"),
    types: number("Types"),
    instantiations: number("Instantiations"),
    memoryKb: number("Memory used"),
    checkSeconds: number("Check time"),
    totalSeconds: number("Total time"),
  };
}

export async function run(): Promise<void> {
  if (!existsSync(join(root, "packages/core/dist/server/index.d.ts"))) execFileSync("npm", ["run", "build", "-w", "@convoy/core"], { cwd: root, stdio: "inherit" });
  const rows: [string, Diagnostics][] = [];
  for (const modules of [1, 50]) rows.push([`${modules} module${modules === 1 ? "" : "s"} (${modules * 4} functions)`, await measure(modules)]);
  console.log("app                       check    total   types   instantiations   memory");
  for (const [label, d] of rows) {
    console.log(
      `${label.padEnd(26)}${`${d.checkSeconds.toFixed(2)}s`.padStart(6)}  ${`${d.totalSeconds.toFixed(2)}s`.padStart(6)}  ${String(d.types).padStart(6)}  ${String(d.instantiations).padStart(15)}  ${`${Math.round(d.memoryKb / 1024)} MB`.padStart(7)}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ""}`) await run();

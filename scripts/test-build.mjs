#!/usr/bin/env node
// Checks the published shape of the `@convoy/core` package: build, `npm pack`, publint and
// arethetypeswrong on the tarball, then install it into a temporary project and import every
// subpath from compiled JS and type-check against its `.d.ts`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, stdio: "inherit" });
const capture = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, encoding: "utf8" });

run("npm", ["run", "build"]);
const work = mkdtempSync(join(tmpdir(), "convoy-pack-"));
try {
  const packed = JSON.parse(capture("npm", ["pack", "-w", "@convoy/core", "--json", "--pack-destination", work]));
  const tarball = join(work, packed[0].filename);
  console.log(`packed ${packed[0].filename}: ${packed[0].entryCount} files, ${packed[0].size} bytes`);
  if (packed[0].files.some((f) => /\.test(-d)?\.|\/src\//.test(f.path))) throw new Error("tests or sources leaked into the tarball");
  for (const asset of ["dashboard/index.html", "dashboard/dashboard.js", "dashboard/dashboard.css"]) {
    if (!packed[0].files.some((f) => f.path === asset)) throw new Error(`the dev dashboard's ${asset} is missing from the tarball`);
  }

  run("npx", ["publint", "run", tarball, "--strict"]);
  run("npx", ["attw", tarball, "--profile", "esm-only"]);

  const adapter = JSON.parse(capture("npm", ["pack", "-w", "@convoy/react-query", "--json", "--pack-destination", work]))[0];
  console.log(`packed ${adapter.filename}: ${adapter.entryCount} files, ${adapter.size} bytes`);
  if (adapter.files.some((f) => /\.test(-d)?\.|\/src\//.test(f.path))) throw new Error("tests or sources leaked into the adapter's tarball");
  run("npx", ["publint", "run", join(work, adapter.filename), "--strict"]);
  run("npx", ["attw", join(work, adapter.filename), "--profile", "esm-only"]);

  const app = join(work, "app");
  run("mkdir", ["-p", app]);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "convoy-pack-check", private: true, type: "module" }));
  run("npm", ["install", "--no-audit", "--no-fund", "--silent", tarball, `typescript@${readJson(join(root, "node_modules/typescript/package.json")).version}`, "@types/node@20"], app);

  const subpaths = Object.keys(readJson(join(root, "packages/core/package.json")).exports).filter((p) => p !== "./package.json");
  const imports = subpaths.map((p, i) => `import * as m${i} from "@convoy/core/${p.slice(2)}";`).join("\n");
  const uses = subpaths.map((p, i) => `console.log(${JSON.stringify(p)}, Object.keys(m${i}).length);`).join("\n");
  writeFileSync(join(app, "check.mjs"), `${imports}\n${uses}\nconst { v, encodeValue } = m${subpaths.indexOf("./values")};\nif (JSON.stringify(encodeValue(1n)) !== '{"$integer":"AQAAAAAAAAA="}') throw new Error("encodeValue");\nif (v.string().kind !== "string") throw new Error("v.string");\n`);
  run("node", ["check.mjs"], app);

  writeFileSync(join(app, "check.ts"), `${imports}\nimport { v, type Infer } from "@convoy/core/values";\nconst author = v.object({ name: v.string(), age: v.optional(v.int64()) });\nexport const a: Infer<typeof author> = { name: "ada" };\nexport const all = [${subpaths.map((_, i) => `m${i}`).join(", ")}];\n`);
  writeFileSync(join(app, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", noEmit: true, types: ["node"] }, include: ["check.ts"] }));
  run("npx", ["tsc", "-p", "tsconfig.json"], app);
  const bin = capture("npx", ["convoy", "--help"], app);
  if (!bin.includes("convoy")) throw new Error("convoy bin did not print its help");
  console.log("test:build ok");
} finally {
  rmSync(work, { recursive: true, force: true });
}

function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

#!/usr/bin/env node
// Checks the published shape of the packages: build, `npm pack`, publint and arethetypeswrong
// on each tarball, then install the core into a temporary project and import every subpath from
// compiled JS and type-check against its `.d.ts`; finally the starter, run from its tarball
// (with the core's tarball), creates an app on which `npm test`, `tsc --noEmit` and
// `convoy dev` succeed.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
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

  const electric = JSON.parse(capture("npm", ["pack", "-w", "@convoy/electric", "--json", "--pack-destination", work]))[0];
  console.log(`packed ${electric.filename}: ${electric.entryCount} files, ${electric.size} bytes`);
  if (electric.files.some((f) => /\.test(-d)?\.|\/src\//.test(f.path))) throw new Error("tests or sources leaked into the Electric adapter's tarball");
  run("npx", ["publint", "run", join(work, electric.filename), "--strict"]);
  run("npx", ["attw", join(work, electric.filename), "--profile", "esm-only"]);

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

  const create = JSON.parse(capture("npm", ["pack", "-w", "@convoy/create", "--json", "--pack-destination", work]))[0];
  console.log(`packed ${create.filename}: ${create.entryCount} files, ${create.size} bytes`);
  if (create.files.some((f) => /\.test\.|\/src\//.test(f.path))) throw new Error("tests or sources leaked into the starter's tarball");
  run("npx", ["publint", "run", join(work, create.filename), "--strict"]);
  run("npx", ["attw", join(work, create.filename), "--profile", "esm-only"]);
  await checkStarter(join(work, create.filename), tarball);
  console.log("test:build ok");
} finally {
  rmSync(work, { recursive: true, force: true });
}

/**
 * In an empty folder, the starter from its tarball creates `my-app` depending on the packed
 * core (npm installs from its cache where it can), then the app's tests, `tsc --noEmit` and
 * `convoy dev` (answering a mutation and a query) must succeed.
 */
async function checkStarter(createTarball, coreTarball) {
  const home = join(work, "starter");
  mkdirSync(home);
  const started = performance.now();
  run("npm", ["exec", "--yes", `--package=${createTarball}`, "--", "create-convoy", "my-app", "--core", coreTarball], home);
  const app = join(home, "my-app");
  const created = performance.now();
  run("npm", ["test"], app);
  run("npx", ["tsc", "--noEmit"], app);
  const devStarted = performance.now();
  const dev = spawn(process.execPath, [join(app, "node_modules/@convoy/core/bin/convoy.js"), "dev", "--port", "0"], { cwd: app, env: { ...process.env, NO_COLOR: "1" } });
  let output = "";
  dev.stdout.on("data", (chunk) => (output += chunk));
  dev.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolveExit) => dev.once("exit", resolveExit));
  try {
    const deadline = Date.now() + 300_000;
    let url;
    while ((url = /ready: (http:\/\/localhost:\d+)/.exec(output)?.[1]) === undefined) {
      if (dev.exitCode !== null || Date.now() > deadline) throw new Error(`convoy dev did not get ready:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const call = async (kind, name, args) => {
      const response = await fetch(`${url}/api/${kind}/${name}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ args }) });
      if (response.status !== 200) throw new Error(`${kind} ${name}: HTTP ${response.status} ${await response.text()}`);
      return (await response.json()).value;
    };
    await call("mutation", "messages:send", { author: "ada", body: "hello from the starter" });
    const answered = performance.now();
    const bodies = (await call("query", "messages:list", {})).map((m) => m.body);
    if (JSON.stringify(bodies) !== JSON.stringify(["hello from the starter"])) throw new Error(`messages:list answered ${JSON.stringify(bodies)}`);
    console.log(`starter: created (with installs) in ${((created - started) / 1000).toFixed(1)} s; convoy dev answered ${((answered - devStarted) / 1000).toFixed(1)} s after starting`);
  } finally {
    dev.kill("SIGTERM");
    const code = await exited;
    if (code !== 0 && code !== null) console.log(`convoy dev exited with ${code}:\n${output}`);
  }
}

function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";

/** What {@link createApp} creates. */
export interface CreateOptions {
  /** The new app's folder (created; must be empty if it exists). */
  dir: string;
  /** The `@convoy/core` to depend on: a version range, or a path to a packed tarball or a checkout. */
  core?: string;
}

const OWN_VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/**
 * Creates an app: a `package.json` depending on `@convoy/core`, `npm install`, then the core's
 * own `convoy init` (the one scaffold: tsconfig, `"type": "module"`, scripts, TypeScript,
 * vitest, `convoy/` with a schema, functions and a `convoyTest` test), then `npm install` of
 * what init added.
 */
export async function createApp(options: CreateOptions): Promise<void> {
  const dir = resolve(options.dir);
  if (existsSync(dir) && (await readdir(dir)).some((file) => file !== ".git")) throw new Error(`${options.dir} exists and is not empty`);
  await mkdir(dir, { recursive: true });
  const core = coreSpec(options.core);
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "") || "convoy-app";
  await writeFile(join(dir, "package.json"), `${JSON.stringify({ name, private: true, type: "module", dependencies: { "@convoy/core": core } }, null, 2)}\n`);

  say(`installing @convoy/core (${core}) in ${options.dir}`);
  run("npm", ["install", "--no-audit", "--no-fund"], dir);
  const init = run(process.execPath, [join(dir, "node_modules/@convoy/core/bin/convoy.js"), "init"], dir, true);
  // init's own "Next:" advice is about installing, which this starter does next
  process.stdout.write(init.split("\n").filter((line) => !line.startsWith("Next:")).join("\n").trimEnd() + "\n");
  say("installing TypeScript and vitest");
  run("npm", ["install", "--no-audit", "--no-fund"], dir);

  const cd = relative(process.cwd(), dir) || ".";
  say(`done. Next:\n\n  cd ${cd}\n  npm run dev      # serve http://localhost:3700, type-check and hot-reload on save\n  npm test         # run convoy/messages.test.ts\n`);
}

/** A tarball or folder path becomes an absolute `file:` spec (the app lives elsewhere); anything else is a version range. */
function coreSpec(core: string | undefined): string {
  if (core === undefined) return `^${OWN_VERSION}`;
  const path = core.startsWith("file:") ? core.slice("file:".length) : core;
  return existsSync(path) && (path.endsWith(".tgz") || path.includes("/")) ? `file:${resolve(path)}` : core;
}

function say(message: string): void {
  process.stdout.write(`\n${message}\n`);
}

/** Runs a command to completion (output shown, or returned when `capture`); a failure throws. */
function run(command: string, args: string[], cwd: string, capture = false): string {
  const result = spawnSync(command, args, { cwd, stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit", encoding: "utf8" });
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed in ${cwd} (exit code ${String(result.status)})`);
  return capture ? result.stdout : "";
}

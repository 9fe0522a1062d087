import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { ResolvedConfig } from "./config.js";
import { logger } from "./logger.js";
import type { TypecheckMessage } from "./typecheck-process.js";

/** `convoy dev --typecheck`: `enable` requires TypeScript, `try` (default) skips it with a warning when missing, `disable` never checks. */
export type TypecheckMode = "enable" | "try" | "disable";

export const TYPECHECK_MODES: readonly TypecheckMode[] = ["enable", "try", "disable"];

/** `.ts` when the CLI runs from source (tsx, tests), `.js` when it runs from `dist/`. */
const OWN_EXTENSION = import.meta.url.endsWith(".ts") ? "ts" : "js";
const CORE_DIR = fileURLToPath(new URL("../../../", import.meta.url));

/** A running type-checker: stop it when dev stops. */
export interface Typechecker {
  stop(): void;
}

/**
 * Type-checks the functions directory in a child process (TypeScript's incremental watch
 * program, with the project's `typescript`), so a check never delays a hot swap. After each
 * check it prints TypeScript's errors with file:line, or that earlier errors are fixed.
 */
export async function startTypecheck(config: ResolvedConfig, typescript: string | undefined): Promise<Typechecker | undefined> {
  if (typescript === undefined) return undefined;
  const configPath = await writeTypecheckConfig(config);
  const child: ChildProcess = fork(fileURLToPath(new URL(`./typecheck-process.${OWN_EXTENSION}`, import.meta.url)), [typescript, configPath, config.projectDir], {
    cwd: config.projectDir,
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  let failing = false;
  child.on("message", (message: TypecheckMessage) => {
    if (message.errors.length > 0) {
      failing = true;
      const count = message.errors.length === 1 ? "1 type error" : `${message.errors.length} type errors`;
      logger.report(`${message.errors.join("\n")}\n${logger.dim(`${count} in ${relative(config.projectDir, config.functionsDir)}/ (the functions still run): fix and save`)}`);
    } else if (failing) {
      failing = false;
      logger.success("type errors fixed");
    }
  });
  child.on("exit", (code, signal) => {
    if (code !== 0 && signal === null) logger.warn(`the type-checker stopped (exit code ${String(code)}); restart convoy dev to type-check again`);
  });
  return { stop: () => void child.kill() };
}

/**
 * The TypeScript compiler `convoy dev` will type-check with, checked before the server starts:
 * `undefined` when disabled, or when missing in `try` mode (with a warning); missing in
 * `enable` mode throws.
 */
export function typescriptFor(config: ResolvedConfig, mode: TypecheckMode): string | undefined {
  if (mode === "disable") return undefined;
  const typescript = resolveTypescript(config.projectDir);
  if (typescript === undefined) {
    const hint = "install it in the project (npm install -D typescript), or pass --typecheck=disable";
    if (mode === "enable") throw new Error(`--typecheck=enable needs TypeScript: ${hint}`);
    logger.warn(`not type-checking: TypeScript is not installed; ${hint}`);
  }
  return typescript;
}

/** The project's TypeScript compiler, else the one next to this package (a workspace), else none. */
function resolveTypescript(projectDir: string): string | undefined {
  for (const from of [join(projectDir, "package.json"), fileURLToPath(import.meta.url)]) {
    try {
      return createRequire(from).resolve("typescript");
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/**
 * `.convoy/tsconfig.typecheck.json`: the project's `tsconfig.json` (or strict NodeNext
 * defaults) narrowed to the functions directory. When the project cannot resolve
 * `@convoy/core` itself, its imports point at this package's types, as the bundle's do.
 */
async function writeTypecheckConfig(config: ResolvedConfig): Promise<string> {
  await mkdir(config.stateDir, { recursive: true });
  const path = join(config.stateDir, "tsconfig.typecheck.json");
  const own = join(config.projectDir, "tsconfig.json");
  const compilerOptions: Record<string, unknown> = existsSync(own)
    ? { noEmit: true }
    : { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, noEmit: true, types: [] };
  if (!canResolveCore(config.projectDir)) compilerOptions.paths = { "@convoy/core/*": [join(CORE_DIR, "dist/*/index.d.ts")] };
  const tsconfig = {
    ...(existsSync(own) ? { extends: relative(dirname(path), own) } : {}),
    compilerOptions,
    include: [join(relative(dirname(path), config.functionsDir), "**/*")],
  };
  await writeFile(path, `${JSON.stringify(tsconfig, null, 2)}\n`);
  return path;
}

function canResolveCore(projectDir: string): boolean {
  try {
    createRequire(join(projectDir, "package.json")).resolve("@convoy/core/package.json");
    return true;
  } catch {
    return false;
  }
}

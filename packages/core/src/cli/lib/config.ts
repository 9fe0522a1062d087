import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import type { AuthConfig } from "../../auth/index.js";
import type { ConnectionLimits, HttpLimits } from "../../http/index.js";
import { DEFAULT_CALL_LIMITS, type CallLimits } from "../../runtime/call-context.js";
import type { PubSubConfig } from "../../realtime/pubsub/index.js";
import { convoyImportsPlugin } from "./convoy-imports-plugin.js";

/** `convoy.config.ts`: every field optional. */
export interface ConvoyConfig {
  /** The functions directory (default `convoy`). */
  functionsDir?: string;
  /** HTTP port of `convoy dev`/`convoy start` (default 3700). */
  port?: number;
  /** Postgres URL; else `DATABASE_URL`; else the embedded PGlite in `.convoy/`. */
  databaseUrl?: string;
  /** The Postgres schema of the app's tables (default `public`). */
  pgSchema?: string;
  /**
   * Request limits of the HTTP API, admission control included (docs/http.md), and the limits of
   * each call: deadline, statement timeout, page size, documents and bytes read (docs/limits.md).
   */
  limits?: Pick<HttpLimits, "maxBodyBytes" | "maxDepth" | "maxArrayLength" | "maxConcurrentCalls" | "maxBufferedBodyBytes"> & Partial<CallLimits>;
  /** Bounds on the server's sockets: count and timeouts (docs/http.md). */
  connections?: ConnectionLimits;
  /** Origins allowed by CORS in `convoy start` (dev allows any). */
  corsOrigins?: string[];
  /**
   * Secrets signing pagination cursors, the first signs, all verify (rotation). Default:
   * `CONVOY_CURSOR_SECRET` (`new[,old…]`), else a secret stored in the database.
   */
  cursorKeys?: string[];
  /** Send `X-Convoy-Reads`/`X-Convoy-Writes` in `convoy start` (default false; dev always sends them). */
  accessHeaders?: boolean;
  /** The auth providers, when not in `convoy/auth.config.ts` (docs/auth.md); not both. */
  auth?: AuthConfig;
  /** Serve `GET /api/metrics` in `convoy start` (default false; dev always serves it; `--metrics` turns it on). */
  metrics?: boolean;
  /**
   * Live queries across servers (docs/realtime.md): `pubsub` is how servers tell each other
   * about commits, `"postgres"` (`LISTEN/NOTIFY`, default), `{ redis: url }` or `{ nats: url }`.
   */
  realtime?: { pubsub?: PubSubConfig };
}

/** The configuration a command runs with, after defaults, config file, environment and flags. */
export interface ResolvedConfig {
  projectDir: string;
  functionsDir: string;
  port: number;
  databaseUrl: string | undefined;
  pgSchema: string;
  /** Where the embedded database and build output live. */
  stateDir: string;
  limits: NonNullable<ConvoyConfig["limits"]>;
  connections: ConnectionLimits;
  /** The call limits among `limits` (the runtime's; the others bound HTTP). */
  callLimits: Partial<CallLimits>;
  corsOrigins: string[];
  cursorKeys: string[] | undefined;
  accessHeaders: boolean;
  /** `auth` of `convoy.config.ts`, checked when the app loads. */
  auth: unknown;
  metrics: boolean;
  realtime: { pubsub: PubSubConfig };
}

export const DEFAULT_PORT = 3700;
const CONFIG_FILES = ["convoy.config.ts", "convoy.config.mts", "convoy.config.js", "convoy.config.mjs"];

/** Flags that override the config file. */
export interface ConfigOverrides {
  port?: number | undefined;
  db?: string | undefined;
  metrics?: boolean | undefined;
}

/** `convoy/`, or a Convex project's `convex/` when it has no `convoy/` (docs/convex.md). */
function defaultFunctionsDir(dir: string): string {
  return !existsSync(join(dir, "convoy")) && existsSync(join(dir, "convex")) ? "convex" : "convoy";
}

/** Reads `convoy.config.*` (if any) from `projectDir` and applies `DATABASE_URL` and flags. */
export async function resolveConfig(projectDir: string, overrides: ConfigOverrides = {}): Promise<ResolvedConfig> {
  const dir = resolve(projectDir);
  const file = CONFIG_FILES.map((name) => join(dir, name)).find((path) => existsSync(path));
  const config = file === undefined ? {} : await loadConfigFile(dir, file);
  return {
    projectDir: dir,
    functionsDir: resolve(dir, config.functionsDir ?? defaultFunctionsDir(dir)),
    port: overrides.port ?? config.port ?? DEFAULT_PORT,
    databaseUrl: overrides.db ?? process.env.DATABASE_URL ?? config.databaseUrl ?? undefined,
    pgSchema: config.pgSchema ?? "public",
    stateDir: join(dir, ".convoy"),
    limits: config.limits ?? {},
    connections: config.connections ?? {},
    callLimits: callLimitsOf(config.limits ?? {}),
    corsOrigins: config.corsOrigins ?? [],
    cursorKeys: config.cursorKeys,
    accessHeaders: config.accessHeaders === true,
    auth: config.auth,
    metrics: overrides.metrics === true || config.metrics === true,
    realtime: { pubsub: config.realtime?.pubsub ?? "postgres" },
  };
}

function callLimitsOf(limits: Partial<CallLimits>): Partial<CallLimits> {
  const picked: Partial<CallLimits> = {};
  for (const key of Object.keys(DEFAULT_CALL_LIMITS) as (keyof CallLimits)[]) if (limits[key] !== undefined) picked[key] = limits[key];
  return picked;
}

async function loadConfigFile(projectDir: string, file: string): Promise<ConvoyConfig> {
  const outDir = join(projectDir, ".convoy", "build");
  await mkdir(outDir, { recursive: true });
  const outfile = join(outDir, `config-${Date.now()}.mjs`);
  await esbuild.build({ entryPoints: [file], outfile, bundle: true, platform: "node", format: "esm", packages: "external", plugins: [convoyImportsPlugin], logLevel: "silent" });
  const module = (await import(pathToFileURL(outfile).href)) as { default?: ConvoyConfig };
  return module.default ?? {};
}

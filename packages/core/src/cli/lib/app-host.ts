import { join } from "node:path";
import type { Driver } from "../../driver/index.js";
import { createRuntime, type CallListener, type CommitListener, type Runtime } from "../../runtime/index.js";
import { runCodegen } from "../../codegen/index.js";
import type { Value } from "../../values/value.js";
import type { FunctionType } from "../../functions/index.js";
import { FrameworkError, isFrameworkError } from "../../errors/index.js";
import { ensureSchema, type SyncResult } from "../../schema-sync/index.js";
import { createTokenVerifier, NO_PROVIDERS_MESSAGE, type AuthConfig, type TokenVerifier } from "../../auth/index.js";
import type { UserIdentity } from "../../functions/index.js";
import { AppLoadError, bundleAndLoadApp, type LoadedApp } from "./bundle-app.js";
import { loadAuthConfig } from "./load-auth-config.js";
import type { ResolvedConfig } from "./config.js";

/** How an app host treats the database and the code. */
export interface AppHostOptions {
  /**
   * `dev` (also `convoy run`): codegen on load and apply schema changes through `convoy sync`'s
   * code path (a change that existing documents do not match is refused); `start`: change nothing.
   */
  mode: "dev" | "start";
  /** Told what a schema change applied (dev). */
  onSchemaApplied?: (result: SyncResult) => void;
  /** Progress of a schema change (waiting for another sync, each step as it starts). */
  onSchemaProgress?: (message: string) => void;
  onCall?: CallListener;
  /** Hears every committed mutation (the realtime engine publishes its writes). */
  onCommit?: CommitListener;
  /** The runtime's `origin`: set when `onCommit` publishes commits to every server (see RuntimeOptions). */
  origin?: string;
  /** Told after a new version is served (`convoy dev`: live queries re-run on the new code). */
  onReloaded?: () => void;
  /** Checks a loaded version before it is served (e.g. `convoy start`'s schema-hash check); throwing refuses it. */
  verify?: (app: LoadedApp) => Promise<void>;
}

/** Rules that do not fit the schema (a table it does not have) are a bad file: wait for the next save. */
async function rulesFailure<TValue>(loading: Promise<TValue>): Promise<TValue> {
  try {
    return await loading;
  } catch (error) {
    if (isFrameworkError(error, "INTERNAL") && error.message.startsWith("rules")) throw new AppLoadError(error.message);
    throw error;
  }
}

/**
 * Holds the current version of the user's app (registry + schema) and the runtime serving it.
 * `reload()` builds and loads a new version and swaps it in atomically: calls in flight finish
 * on the old one; if the new version fails to build or load, the old one keeps serving.
 */
export class AppHost {
  private runtime: Runtime | undefined;
  private app: LoadedApp | undefined;
  private schemaHash: string | undefined;
  private loading: Promise<LoadedApp> | undefined;
  private auth: { key: string; verify: TokenVerifier | undefined; issuers: string[] } = { key: "", verify: undefined, issuers: [] };

  constructor(
    readonly config: ResolvedConfig,
    readonly driver: Driver,
    private readonly options: AppHostOptions,
  ) {}

  /** Build, load and swap in the app as it is on disk now. Throws `AppLoadError` and keeps the old version on failure. */
  async reload(): Promise<LoadedApp> {
    // one reload at a time: a save during a build queues behind it
    const previous = this.loading;
    const next = (async () => {
      await previous?.catch(() => undefined);
      if (this.options.mode === "dev") await runCodegen(this.config.functionsDir);
      const buildDir = join(this.config.stateDir, "build");
      const app = await bundleAndLoadApp(this.config.projectDir, this.config.functionsDir, buildDir);
      const auth = this.nextAuth(await loadAuthConfig(this.config.projectDir, this.config.functionsDir, buildDir, this.config.auth));
      await this.options.verify?.(app);
      if (this.runtime === undefined || app.schema.hash !== this.schemaHash) {
        if (this.options.mode === "dev") await this.applySchema(app);
        this.runtime = await rulesFailure(createRuntime({
          driver: this.driver,
          schema: app.schema,
          registry: app.registry,
          rules: app.rules,
          pgSchema: this.config.pgSchema,
          limits: this.config.callLimits,
          ...(this.options.onCall ? { onCall: this.options.onCall } : {}),
          ...(this.options.onCommit ? { onCommit: this.options.onCommit } : {}),
          ...(this.options.origin === undefined ? {} : { origin: this.options.origin }),
          ...(this.config.cursorKeys === undefined ? {} : { cursorKeys: this.config.cursorKeys }),
        }));
        this.schemaHash = app.schema.hash;
      } else {
        const runtime = this.runtime;
        await rulesFailure(Promise.resolve().then(() => runtime.setRules(app.rules)));
        this.runtime.setRegistry(app.registry);
      }
      this.auth = auth;
      this.app = app;
      this.options.onReloaded?.();
      return app;
    })();
    this.loading = next;
    return next;
  }

  /** Applies the version's schema as `convoy sync` would; a refusal keeps the old version serving. */
  private async applySchema(app: LoadedApp): Promise<void> {
    let result: SyncResult;
    try {
      result = await ensureSchema({ driver: this.driver, databaseUrl: this.config.databaseUrl }, app.schema, {
        pgSchema: this.config.pgSchema,
        source: "dev",
        ...(this.options.onSchemaProgress === undefined ? {} : { onProgress: this.options.onSchemaProgress }),
      });
    } catch (error) {
      if (isFrameworkError(error, "SCHEMA_VALIDATION")) throw new AppLoadError(error.message);
      throw error;
    }
    if (result.outcome === "applied") this.options.onSchemaApplied?.(result);
  }

  /** The verifier of a loaded auth config; kept (with its caches) while the config is unchanged. */
  private nextAuth(config: AuthConfig | undefined): AppHost["auth"] {
    const key = config === undefined ? "" : JSON.stringify(config);
    if (key === this.auth.key) return this.auth;
    const issuers = (config?.providers ?? []).map((provider) => (provider.type === undefined ? `OIDC ${provider.domain}` : `${provider.type} ${provider.issuer}`));
    return { key, verify: config === undefined ? undefined : createTokenVerifier(config), issuers };
  }

  /** Verifies a bearer token with the current version's auth config (`UNAUTHENTICATED` when it has none). */
  readonly verifyToken = (token: string): Promise<UserIdentity> => {
    const verify = this.auth.verify;
    return verify === undefined ? Promise.reject(new FrameworkError("UNAUTHENTICATED", NO_PROVIDERS_MESSAGE)) : verify(token);
  };

  /** The current version's auth providers, e.g. `["customJwt https://auth.example.com"]` (empty: none). */
  authProviders(): readonly string[] {
    return this.auth.issuers;
  }

  /** The runtime serving now. */
  current(): Runtime {
    if (this.runtime === undefined) throw new Error("the app is not loaded yet");
    return this.runtime;
  }

  /** The version serving now (its cron jobs and HTTP routes), `undefined` before the first load. */
  currentApp(): LoadedApp | undefined {
    return this.app;
  }

  /** Run a function on the current version. */
  run(kind: FunctionType, name: string, args: Record<string, Value>, options: { allowInternal: boolean; identity?: UserIdentity | null; administrative?: boolean }) {
    return this.current().run(kind, name, args, options);
  }
}

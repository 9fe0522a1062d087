import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppLoadError } from "./bundle-app.js";
import { loadAuthConfig } from "./load-auth-config.js";

const SECRET = "a-secret-for-the-loader-test-of-32-bytes+";

describe("loadAuthConfig", () => {
  const project = mkdtempSync(join(tmpdir(), "convoy-auth-config-"));
  const functionsDir = join(project, "convoy");
  const buildDir = join(project, ".convoy", "build");
  mkdirSync(functionsDir, { recursive: true });
  afterAll(() => rmSync(project, { recursive: true, force: true }));
  const write = (text: string) => writeFileSync(join(functionsDir, "auth.config.ts"), text);
  const load = (fallback?: unknown) => loadAuthConfig(project, functionsDir, buildDir, fallback);

  it("is undefined without a file, and takes convoy.config.ts's auth then", async () => {
    expect(await load()).toBeUndefined();
    const fallback = { providers: [{ type: "secret", issuer: "cfg", secret: SECRET }] };
    expect(await load(fallback)).toEqual({ providers: [{ type: "secret", issuer: "cfg", secret: SECRET, algorithm: "HS256" }] });
    await expect(load({ providers: [] })).rejects.toThrow(/convoy\.config\.ts \(auth\): auth config: the auth config has no providers/);
  });

  it("bundles auth.config.ts with its imports and process.env", async () => {
    writeFileSync(join(functionsDir, "_issuer.ts"), 'export const ISSUER = "https://issuer.example.com";\n');
    process.env.CONVOY_LOADER_TEST_SECRET = SECRET;
    write('import { ISSUER } from "./_issuer";\nexport default { providers: [{ type: "secret", issuer: ISSUER, secret: process.env.CONVOY_LOADER_TEST_SECRET }] };\n');
    expect(await load()).toEqual({ providers: [{ type: "secret", issuer: "https://issuer.example.com", secret: SECRET, algorithm: "HS256" }] });
    await expect(load({ providers: [] })).rejects.toThrow(/configured twice/);
  });

  it("names the file for a build error, a missing default export and an invalid config", async () => {
    write("export default { providers: [ ;\n");
    await expect(load()).rejects.toThrow(AppLoadError);
    await expect(load()).rejects.toThrow(/auth\.config\.ts:1:/);
    write("export const providers = [];\n");
    await expect(load()).rejects.toThrow(/auth\.config\.ts must `export default \{ providers: \[\.\.\.\] \}`/);
    write('export default { providers: [{ type: "customJwt", issuer: "x", jwks: "https://k.example.com/jwks", algorithm: "HS256" }] };\n');
    await expect(load()).rejects.toThrow(/auth\.config\.ts: auth config: providers\[0\]\.algorithm must be one of RS256, ES256, EdDSA/);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/test-database.js";
import { runCli, startCli, until, type CliProcess } from "./cli-process.js";

const SECRET_A = "secret-a-for-the-cli-test-at-least-32-bytes";
const SECRET_B = "secret-b-for-the-cli-test-at-least-32-bytes";

const authConfig = (secret: string) => `export default { providers: [{ type: "secret", issuer: "cli-test", secret: ${JSON.stringify(secret)}, algorithm: "HS256" }] };\n`;
const sign = (secret: string, sub: string) =>
  new SignJWT({ sub, name: sub.toUpperCase() }).setProtectedHeader({ alg: "HS256" }).setIssuer("cli-test").setExpirationTime("10m").sign(new TextEncoder().encode(secret));

async function whoami(base: string, token?: string): Promise<{ status: number; body: { value?: unknown; error?: { code: string; message: string } } }> {
  const send = () =>
    fetch(`${base}/api/query/whoami:me`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ args: {} }),
    });
  const response = await send().catch(send);
  return { status: response.status, body: (await response.json()) as never };
}

describe("auth in the CLI", () => {
  const db = useTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), "convoy-cli-auth-"));
  const env = () => (db().databaseUrl === undefined ? {} : { DATABASE_URL: db().databaseUrl });
  let dev: CliProcess | undefined;
  beforeAll(() => {
    expect(runCli(["init"], dir).status).toBe(0);
    writeFileSync(join(dir, "convoy/whoami.ts"), `import { query } from "./_generated/server";\nexport const me = query({ args: {}, handler: async (ctx) => ctx.auth.getUserIdentity() });\n`);
  }, 120_000);
  afterAll(async () => {
    await dev?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("convoy run --identity runs as that identity; without it the call has none", () => {
    const admin = runCli(["run", "whoami:me"], dir, env());
    expect(admin.status, admin.stderr).toBe(0);
    expect(JSON.parse(admin.stdout)).toBeNull();
    const asAda = runCli(["run", "whoami:me", "--identity", '{"subject":"ada","name":"Ada","team":"engines"}'], dir, env());
    expect(asAda.status, asAda.stderr).toBe(0);
    expect(JSON.parse(asAda.stdout)).toEqual({ subject: "ada", issuer: "https://convoy.test", tokenIdentifier: "https://convoy.test|ada", name: "Ada", team: "engines" });
    for (const bad of ["nope", "[1]"]) {
      const refused = runCli(["run", "whoami:me", "--identity", bad], dir, env());
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/--identity must be/);
    }
  }, 240_000);

  it("convoy start exits 1 on an invalid auth config, with a message naming the file", () => {
    writeFileSync(join(dir, "convoy/auth.config.ts"), "export default { providers: [] };\n");
    const start = runCli(["start", "--port", "0", "--skip-schema-check"], dir, env());
    expect(start.status).toBe(1);
    expect(start.stderr).toMatch(/auth\.config\.ts: auth config: the auth config has no providers/);
    writeFileSync(join(dir, "convoy/auth.config.ts"), `export default { providers: [{ type: "customJwt", issuer: "x", jwks: "http://keys.example.com/jwks", algorithm: "RS256" }] };\n`);
    const badUrl = runCli(["start", "--port", "0", "--skip-schema-check"], dir, env());
    expect(badUrl.status).toBe(1);
    expect(badUrl.stderr).toMatch(/providers\[0\]\.jwks must be an https: URL/);
  }, 240_000);

  it("convoy dev verifies tokens with auth.config.ts, reports a broken config and keeps serving, and reloads a changed one", async () => {
    writeFileSync(join(dir, "convoy/auth.config.ts"), authConfig(SECRET_A));
    dev = startCli(["dev", "--port", "0", "--typecheck", "disable"], dir, env());
    const [, url] = await dev.waitFor(/ready: (http:\/\/localhost:\d+)/, 120_000);
    const base = url!;
    expect(dev.stdout() + dev.stderr()).toContain("auth: secret cli-test");
    const tokenA = await sign(SECRET_A, "ada");
    expect(await whoami(base, tokenA)).toEqual({ status: 200, body: { value: { tokenIdentifier: "cli-test|ada", subject: "ada", issuer: "cli-test", name: "ADA" } } });
    expect(await whoami(base)).toEqual({ status: 200, body: { value: null } });
    expect((await whoami(base, await sign(SECRET_B, "eve"))).status).toBe(401);
    // beside dev (through its admin endpoint on the embedded database, directly on Postgres)
    const beside = runCli(["run", "whoami:me", "--identity", '{"subject":"grace"}'], dir, env());
    expect(beside.status, beside.stderr).toBe(0);
    expect(JSON.parse(beside.stdout)).toMatchObject({ subject: "grace", tokenIdentifier: "https://convoy.test|grace" });

    writeFileSync(join(dir, "convoy/auth.config.ts"), `export default { providers: [{ type: "saml" }] };\n`);
    await dev.waitFor(/auth\.config\.ts: auth config: providers\[0\]\.type must be/, 60_000);
    expect(dev.stderr()).toContain("still serving the last good version");
    expect((await whoami(base, tokenA)).status).toBe(200);

    writeFileSync(join(dir, "convoy/auth.config.ts"), authConfig(SECRET_B));
    const refused = await until(() => whoami(base, tokenA), (answer) => answer.status === 401);
    expect(refused.body.error).toEqual({ code: "UNAUTHENTICATED", message: "bad signature" });
    expect((await whoami(base, await sign(SECRET_B, "bo"))).body.value).toMatchObject({ subject: "bo" });

    rmSync(join(dir, "convoy/auth.config.ts"));
    const noProviders = await until(() => whoami(base, tokenA), (answer) => answer.body.error?.message.includes("no auth providers") === true);
    expect(noProviders.status).toBe(401);
    expect(await dev.stop()).toBe(0);
    dev = undefined;
  }, 240_000);
});

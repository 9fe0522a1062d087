import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ensureStorageFor, useTestDatabase } from "../../test/helpers/test-database.js";
import { generateIssuerKey, hmacWithPublicKey, startTestIssuer, unsignedToken, type TestIssuer } from "../../test/helpers/token-issuer.js";
import { createTokenVerifier } from "../auth/verify-token.js";
import { mutationGeneric, queryGeneric } from "../functions/function-builders.js";
import { createRegistrySync } from "../functions/registry.js";
import { createRuntime, type Runtime } from "../runtime/index.js";
import { defineSchema, defineTable } from "../schema/index.js";
import { v } from "../values/v.js";
import { createFetchHandler } from "./fetch-handler.js";
import { startTestServer, type TestServer } from "./fixtures/test-server.js";

const schema = defineSchema({ notes: defineTable({ body: v.string(), author: v.union(v.string(), v.null()) }) });
const notes = {
  whoami: queryGeneric({ args: {}, handler: async (ctx) => ctx.auth.getUserIdentity() }),
  add: mutationGeneric({
    args: { body: v.string() },
    handler: async (ctx, { body }) => ctx.db.insert("notes", { body, author: (await ctx.auth.getUserIdentity())?.tokenIdentifier ?? null }),
  }),
  /** Nested: the identity reaches runQuery. */
  whoamiNested: queryGeneric({ args: {}, handler: async (ctx) => ctx.runQuery("notes:whoami" as never, {} as never) }),
};

const db = useTestDatabase();
let issuer: TestIssuer;
let runtime: Runtime;
let server: TestServer;
let anonymousOnly: TestServer;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  issuer = await startTestIssuer({ audience: "convoy-app" });
  runtime = await createRuntime({ driver: db().driver, schema, registry: createRegistrySync({ notes }), ensureStorage: ensureStorageFor(db().driver) });
  const auth = { providers: [{ type: "customJwt" as const, issuer: issuer.url, jwks: issuer.jwksUrl, algorithm: "RS256" as const, applicationID: "convoy-app" }] };
  server = await startTestServer(db().driver, { auth }, runtime);
  anonymousOnly = await startTestServer(db().driver, {}, runtime);
});
afterAll(async () => {
  await server.close();
  await anonymousOnly.close();
  await issuer.close();
});
beforeEach(async () => {
  await db().driver.query("DELETE FROM notes");
});

async function call(base: string, path: string, authorization?: string, args: unknown = {}) {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(authorization === undefined ? {} : { Authorization: authorization }) },
    body: JSON.stringify({ args }),
  });
  return { status: response.status, challenge: response.headers.get("www-authenticate"), json: (await response.json()) as { value?: unknown; error?: { code: string; message: string } } };
}

async function noteCount(): Promise<number> {
  const { rows } = await db().driver.query<{ n: string }>("SELECT count(*) AS n FROM notes");
  return Number(rows[0]!.n);
}

describe("Authorization: Bearer over HTTP", () => {
  it("gives the function the token's identity, in nested calls too; no header is anonymous", async () => {
    const token = await issuer.sign({ sub: "ada", name: "Ada" });
    const me = await call(server.url, "/api/query/notes:whoami", `Bearer ${token}`);
    expect(me).toMatchObject({ status: 200, json: { value: { tokenIdentifier: `${issuer.url}|ada`, subject: "ada", issuer: issuer.url, name: "Ada" } } });
    expect((await call(server.url, "/api/query/notes:whoamiNested", `bearer ${token}`)).json.value).toEqual(me.json.value);
    expect(await call(server.url, "/api/query/notes:whoami")).toMatchObject({ status: 200, json: { value: null } });
    const added = await call(server.url, "/api/mutation/notes:add", `Bearer ${token}`, { body: "hi" });
    expect(added.status).toBe(200);
    const { value: stored } = await runtime.runHandler("query", (ctx) => ctx.db.query("notes").collect());
    expect(stored).toMatchObject([{ body: "hi", author: `${issuer.url}|ada` }]);
  });

  it("answers 401 UNAUTHENTICATED naming the reason for every forged token, and writes nothing", async () => {
    const forger = await generateIssuerKey("key-1");
    const stranger = await generateIssuerKey("key-stranger");
    const claims = { iss: issuer.url, sub: "mallory", aud: "convoy-app", exp: now() + 600 };
    const cases: [string, string, RegExp][] = [
      ["bad signature", `Bearer ${await issuer.sign({ sub: "mallory" }, { key: forger })}`, /bad signature/],
      ["alg none", `Bearer ${unsignedToken(claims)}`, /algorithm/],
      ["HS256 with the RSA public key", `Bearer ${await hmacWithPublicKey(claims, issuer.keys[0]!)}`, /algorithm/],
      ["expired", `Bearer ${await issuer.sign({ exp: now() - 3600, iat: now() - 7200 })}`, /expired/],
      ["nbf in the future", `Bearer ${await issuer.sign({ nbf: now() + 600 })}`, /not valid yet/],
      ["unknown issuer", `Bearer ${await issuer.sign({ iss: "https://evil.example.com" })}`, /unknown issuer/],
      ["wrong audience", `Bearer ${await issuer.sign({ aud: "someone-else" })}`, /wrong audience/],
      ["unknown kid", `Bearer ${await issuer.sign({}, { key: stranger })}`, /unknown signing key/],
      ["malformed", "Bearer abc.def.ghi", /malformed/],
      ["not a JWT at all", "Bearer x", /malformed/],
      ["a non-Bearer scheme", `Basic ${Buffer.from("ada:pw").toString("base64")}`, /Bearer/],
      ["an empty Bearer", "Bearer ", /Bearer/],
    ];
    for (const [label, authorization, reason] of cases) {
      for (const path of ["/api/mutation/notes:add", "/api/query/notes:whoami"]) {
        const answer = await call(server.url, path, authorization, path.includes("mutation") ? { body: label } : {});
        expect({ label, status: answer.status, code: answer.json.error?.code, challenge: answer.challenge }).toEqual({ label, status: 401, code: "UNAUTHENTICATED", challenge: 'Bearer error="invalid_token"' });
        expect(answer.json.error?.message, label).toMatch(reason);
      }
    }
    expect(await noteCount()).toBe(0);
  });

  it("refuses any token when no auth providers are configured, and writes nothing", async () => {
    const answer = await call(anonymousOnly.url, "/api/mutation/notes:add", `Bearer ${await issuer.sign()}`, { body: "x" });
    expect(answer.status).toBe(401);
    expect(answer.json.error).toEqual({ code: "UNAUTHENTICATED", message: expect.stringMatching(/no auth providers configured/) });
    expect((await call(anonymousOnly.url, "/api/query/notes:whoami")).json).toEqual({ value: null });
    expect(await noteCount()).toBe(0);
  });

  it("works through the fetch handler with a verifier, on GET queries too", async () => {
    const handler = createFetchHandler({ runtime, verifyToken: createTokenVerifier({ providers: [{ type: "customJwt", issuer: issuer.url, jwks: { keys: [issuer.keys[0]!.publicJwk] }, algorithm: "RS256" }] }) });
    const token = await issuer.sign({ sub: "grace" });
    const ok = await handler(new Request("http://x/api/query/notes:whoami?args=%7B%7D", { headers: { Authorization: `Bearer ${token}` } }));
    expect(((await ok.json()) as { value: { subject: string } }).value.subject).toBe("grace");
    const refused = await handler(new Request("http://x/api/query/notes:whoami", { headers: { Authorization: `Bearer ${token}x` } }));
    expect(refused.status).toBe(401);
    expect(() => createFetchHandler({ runtime, verifyToken: async () => Promise.reject(new Error("x")), auth: { providers: [] } })).toThrow(/not both/);
  });
});

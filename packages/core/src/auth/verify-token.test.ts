import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateIssuerKey, hmacWithPublicKey, startTestIssuer, unsignedToken, type TestIssuer } from "../../test/helpers/token-issuer.js";
import { FrameworkError } from "../errors/framework-error.js";
import { AuthConfigError, validateAuthConfig } from "./auth-config.js";
import { createTokenVerifier, type TokenVerifier } from "./verify-token.js";

const SECRET = "a-development-secret-of-at-least-32-bytes";
const now = () => Math.floor(Date.now() / 1000);

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer({ audience: "my-app" });
});
afterAll(async () => {
  await issuer.close();
});

async function rejection(verify: TokenVerifier, token: string): Promise<FrameworkError> {
  const error = await verify(token).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(FrameworkError);
  return error as FrameworkError;
}

async function expectUnauthenticated(verify: TokenVerifier, token: string, reason: RegExp): Promise<void> {
  const error = await rejection(verify, token);
  expect(error.code).toBe("UNAUTHENTICATED");
  expect(error.message).toMatch(reason);
}

describe("customJwt with a JWKS URL (RS256)", () => {
  const verifier = () => createTokenVerifier({ providers: [{ type: "customJwt", issuer: issuer.url, jwks: issuer.jwksUrl, algorithm: "RS256", applicationID: "my-app" }] });

  it("verifies a good token into Convex's UserIdentity", async () => {
    const token = await issuer.sign({ sub: "ada", name: "Ada Lovelace", email: "ada@example.com", email_verified: true, picture: "https://x/ada.png", given_name: "Ada", team: "engines" });
    expect(await verifier()(token)).toEqual({
      tokenIdentifier: `${issuer.url}|ada`,
      subject: "ada",
      issuer: issuer.url,
      name: "Ada Lovelace",
      email: "ada@example.com",
      emailVerified: true,
      pictureUrl: "https://x/ada.png",
      givenName: "Ada",
      team: "engines",
    });
  });

  it("refuses every forged or invalid token with a reason", async () => {
    const verify = verifier();
    const other = await generateIssuerKey("key-1");
    const forgedKey = await generateIssuerKey("key-1");
    await expectUnauthenticated(verify, await issuer.sign({}, { key: forgedKey }), /bad signature/);
    await expectUnauthenticated(verify, unsignedToken({ iss: issuer.url, sub: "ada", aud: "my-app", exp: now() + 600 }), /algorithm/);
    await expectUnauthenticated(verify, await hmacWithPublicKey({ iss: issuer.url, sub: "ada", aud: "my-app", exp: now() + 600 }, issuer.keys[0]!), /algorithm/);
    await expectUnauthenticated(verify, await issuer.sign({ exp: now() - 120, iat: now() - 3600 }), /expired/);
    await expectUnauthenticated(verify, await issuer.sign({ nbf: now() + 300 }), /not valid yet/);
    await expectUnauthenticated(verify, await issuer.sign({ iat: now() + 300 }), /issued in the future/);
    await expectUnauthenticated(verify, await issuer.sign({ iss: "https://evil.example.com" }), /unknown issuer/);
    await expectUnauthenticated(verify, await issuer.sign({ aud: "another-app" }), /wrong audience/);
    await expectUnauthenticated(verify, await issuer.sign({}, { key: { ...other, kid: "key-unknown" } }), /unknown signing key/);
    await expectUnauthenticated(verify, await issuer.sign({ exp: undefined }), /expiry/);
    await expectUnauthenticated(verify, await issuer.sign({ sub: undefined }), /subject/);
    await expectUnauthenticated(verify, "not-a-jwt", /malformed/);
    await expectUnauthenticated(verify, "a.b.c", /malformed/);
    await expectUnauthenticated(verify, "", /malformed/);
  });

  it("accepts tokens within the 60 s clock skew", async () => {
    const verify = verifier();
    expect((await verify(await issuer.sign({ exp: now() - 30 }))).subject).toBe("user-1");
    expect((await verify(await issuer.sign({ nbf: now() + 30, iat: now() + 30 }))).subject).toBe("user-1");
  });

  it("picks up a rotated key (new kid) with one refetch, and refetches for unknown kids at most once a minute", async () => {
    let clock = Date.now();
    const verify = createTokenVerifier({ providers: [{ type: "customJwt", issuer: issuer.url, jwks: issuer.jwksUrl, algorithm: "RS256" }] }, { now: () => clock });
    const before = issuer.fetches.jwks;
    await verify(await issuer.sign());
    expect(issuer.fetches.jwks).toBe(before + 1);
    const rotated = await generateIssuerKey("key-rotated");
    const stranger = await generateIssuerKey("key-stranger");
    issuer.keys.push(rotated);
    try {
      // the new kid is not in the cached set: one refetch finds it
      expect((await verify(await issuer.sign({ sub: "rotated" }, { key: rotated }))).subject).toBe("rotated");
      expect(issuer.fetches.jwks).toBe(before + 2);
      // within the minute, unknown kids (even many at once) cause no fetch
      const unknown = await Promise.all([1, 2, 3].map((n) => issuer.sign({ sub: `stranger${n}` }, { key: stranger })));
      for (const token of unknown) await expectUnauthenticated(verify, token, /unknown signing key/);
      expect(issuer.fetches.jwks).toBe(before + 2);
      // a minute later: one refetch again (still unknown)
      clock += 61_000;
      await expectUnauthenticated(verify, await issuer.sign({ sub: "stranger4", exp: Math.floor(clock / 1000) + 600 }, { key: stranger }), /unknown signing key/);
      expect(issuer.fetches.jwks).toBe(before + 3);
      // concurrent tokens with a new kid share one refetch
      const third = await generateIssuerKey("key-third");
      issuer.keys.push(third);
      clock += 61_000;
      const concurrent = await Promise.all([1, 2, 3].map(async (n) => verify(await issuer.sign({ sub: `third${n}`, exp: Math.floor(clock / 1000) + 600 }, { key: third }))));
      expect(concurrent.map((identity) => identity.subject)).toEqual(["third1", "third2", "third3"]);
      expect(issuer.fetches.jwks).toBe(before + 4);
    } finally {
      issuer.keys.splice(1);
    }
  });
});

describe("customJwt with a JWKS object (ES256, EdDSA)", () => {
  for (const alg of ["ES256", "EdDSA"] as const) {
    it(`verifies ${alg} and refuses the other algorithm`, async () => {
      const key = await generateIssuerKey(`local-${alg}`, alg);
      const verify = createTokenVerifier({ providers: [{ type: "customJwt", issuer: "https://local.test", jwks: { keys: [key.publicJwk] }, algorithm: alg }] });
      const token = await new SignJWT({ sub: "eve" }).setProtectedHeader({ alg, kid: key.kid }).setIssuer("https://local.test").setExpirationTime("1h").sign(key.privateKey);
      expect((await verify(token)).tokenIdentifier).toBe("https://local.test|eve");
      const rsa = await generateIssuerKey(key.kid, "RS256");
      const wrongAlg = await new SignJWT({ sub: "eve" }).setProtectedHeader({ alg: "RS256", kid: key.kid }).setIssuer("https://local.test").setExpirationTime("1h").sign(rsa.privateKey);
      await expectUnauthenticated(verify, wrongAlg, /algorithm/);
    });
  }
});

describe("secret (HS256)", () => {
  const verify = createTokenVerifier({ providers: [{ type: "secret", issuer: "my-app", secret: SECRET, algorithm: "HS256", applicationID: "web" }] });
  const sign = (secret = SECRET, claims: Record<string, unknown> = {}) =>
    new SignJWT({ sub: "bob", aud: "web", ...claims }).setProtectedHeader({ alg: "HS256" }).setIssuer("my-app").setExpirationTime("10m").sign(new TextEncoder().encode(secret));

  it("verifies a token signed with the secret, refuses another secret, another audience, alg none", async () => {
    expect((await verify(await sign())).tokenIdentifier).toBe("my-app|bob");
    await expectUnauthenticated(verify, await sign(`${SECRET}-other`), /bad signature/);
    await expectUnauthenticated(verify, await sign(SECRET, { aud: "mobile" }), /wrong audience/);
    await expectUnauthenticated(verify, unsignedToken({ iss: "my-app", sub: "bob", aud: "web", exp: now() + 60 }), /algorithm/);
  });
});

describe("OIDC discovery", () => {
  it("finds the JWKS through the discovery document, once, and verifies the audience", async () => {
    const oidc = await startTestIssuer({ audience: "spa" });
    try {
      const verify = createTokenVerifier({ providers: [{ domain: `${oidc.url}/`, applicationID: "spa" }] });
      expect((await verify(await oidc.sign({ sub: "carol" }))).subject).toBe("carol");
      expect((await verify(await oidc.sign({ sub: "dave" }))).subject).toBe("dave");
      expect(oidc.fetches).toEqual({ discovery: 1, jwks: 1 });
      await expectUnauthenticated(verify, await oidc.sign({ aud: "other" }), /wrong audience/);
      // HS256 advertised by the document is never accepted: the public key is no HMAC secret
      await expectUnauthenticated(verify, await hmacWithPublicKey({ iss: oidc.url, sub: "x", aud: "spa", exp: now() + 60 }, oidc.keys[0]!), /algorithm/);
    } finally {
      await oidc.close();
    }
  });

  it("answers UNAVAILABLE when discovery fails, not anonymous", async () => {
    const verify = createTokenVerifier({ providers: [{ domain: "http://127.0.0.1:9", applicationID: "spa" }] }, { fetchTimeoutMs: 2000 });
    const token = await new SignJWT({ sub: "x", aud: "spa" }).setProtectedHeader({ alg: "RS256" }).setIssuer("http://127.0.0.1:9").setExpirationTime("1h").sign((await generateIssuerKey("k")).privateKey);
    const error = await rejection(verify, token);
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toMatch(/discovery/);
  });
});

describe("keys that cannot be fetched", () => {
  it("answer UNAVAILABLE (retry later), never anonymous and never a verified identity", async () => {
    for (const jwks of [`${issuer.url}/no-such-jwks`, "http://127.0.0.1:9/jwks.json"]) {
      const verify = createTokenVerifier({ providers: [{ type: "customJwt", issuer: issuer.url, jwks, algorithm: "RS256" }] }, { fetchTimeoutMs: 2000 });
      const error = await rejection(verify, await issuer.sign());
      expect({ jwks, code: error.code }).toEqual({ jwks, code: "UNAVAILABLE" });
    }
  });
});

describe("the cache", () => {
  it("verifies a token once, concurrently too, and drops it at its exp", async () => {
    let clock = Date.now();
    let verifications = 0;
    const verify = createTokenVerifier(
      { providers: [{ type: "customJwt", issuer: issuer.url, jwks: issuer.jwksUrl, algorithm: "RS256" }] },
      { now: () => clock, onVerification: () => { verifications++; } },
    );
    const token = await issuer.sign({ exp: Math.floor(clock / 1000) + 120 });
    const first = await Promise.all([verify(token), verify(token), verify(token)]);
    for (let i = 0; i < 10; i++) expect(await verify(token)).toBe(first[0]);
    expect(first[1]).toBe(first[0]);
    expect(verifications).toBe(1);
    // past exp (and the 60 s skew): verified again, and refused
    clock += 200_000;
    await expectUnauthenticated(verify, token, /expired/);
    expect(verifications).toBe(2);
  });

  it("never caches a failure as a success, and keeps at most cacheSize tokens", async () => {
    let verifications = 0;
    const verify = createTokenVerifier(
      { providers: [{ type: "customJwt", issuer: issuer.url, jwks: issuer.jwksUrl, algorithm: "RS256" }] },
      { cacheSize: 2, onVerification: () => { verifications++; } },
    );
    const bad = await issuer.sign({}, { key: await generateIssuerKey("key-1") });
    await expectUnauthenticated(verify, bad, /bad signature/);
    await expectUnauthenticated(verify, bad, /bad signature/);
    const tokens = await Promise.all(["a", "b", "c"].map((sub) => issuer.sign({ sub })));
    for (const token of tokens) await verify(token);
    expect(verifications).toBe(5);
    await verify(tokens[2]!);
    await verify(tokens[1]!);
    expect(verifications).toBe(5);
    await verify(tokens[0]!); // evicted: the least recently used
    expect(verifications).toBe(6);
  });
});

describe("config errors", () => {
  const cases: [unknown, RegExp][] = [
    [undefined, /must be an object/],
    [{}, /needs `providers`/],
    [{ providers: [] }, /no providers/],
    [{ providers: [{ type: "saml", issuer: "x" }] }, /type must be/],
    [{ providers: [{ domain: "not a url", applicationID: "a" }] }, /not a URL/],
    [{ providers: [{ domain: "http://login.example.com", applicationID: "a" }] }, /https/],
    [{ providers: [{ domain: "https://login.example.com" }] }, /applicationID/],
    [{ providers: [{ type: "customJwt", issuer: "i", jwks: "ftp://keys", algorithm: "RS256" }] }, /https/],
    [{ providers: [{ type: "customJwt", issuer: "i", jwks: "https://keys", algorithm: "HS256" }] }, /algorithm must be one of RS256, ES256, EdDSA/],
    [{ providers: [{ type: "customJwt", issuer: "i", jwks: { keys: [] }, algorithm: "RS256" }] }, /at least one key/],
    [{ providers: [{ type: "customJwt", issuer: "i", jwks: { keys: [{ kty: "oct", k: "c2VjcmV0" }] }, algorithm: "RS256" }] }, /public keys only/],
    [{ providers: [{ type: "secret", issuer: "i", secret: "short" }] }, /at least 32 bytes/],
    [{ providers: [{ type: "secret", issuer: "i", secret: SECRET, algorithm: "none" }] }, /HS256/],
    [{ providers: [{ type: "secret", secret: SECRET }] }, /issuer/],
  ];
  it.each(cases)("%j is refused: %s", (config, message) => {
    expect(() => validateAuthConfig(config)).toThrow(AuthConfigError);
    expect(() => validateAuthConfig(config)).toThrow(message);
    expect(() => createTokenVerifier(config as never)).toThrow(message);
  });
});

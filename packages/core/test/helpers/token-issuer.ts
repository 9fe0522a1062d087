/* A real token issuer for the auth tests: keys generated with jose, a JWKS and an OIDC discovery document served on 127.0.0.1. */
import { createServer, type Server } from "node:http";
import { closeServer, listenLocal } from "./http-server.js";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";

export interface IssuerKey {
  kid: string;
  alg: "RS256" | "ES256" | "EdDSA";
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

/** A key pair of `alg` with key id `kid`. */
export async function generateIssuerKey(kid: string, alg: IssuerKey["alg"] = "RS256"): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, publicKey, publicJwk };
}

export interface TestIssuer {
  /** `http://127.0.0.1:<port>`: the issuer (`iss`) and the OIDC `domain`. */
  url: string;
  jwksUrl: string;
  /** The keys the JWKS serves now (push to rotate). */
  keys: IssuerKey[];
  /** How many times each path was fetched. */
  fetches: { jwks: number; discovery: number };
  /** Sign a token with `key` (default: the first key): `iss` this issuer, `exp` in an hour, unless overridden. */
  sign(claims?: JWTPayload, options?: { key?: IssuerKey; header?: Record<string, unknown> }): Promise<string>;
  close(): Promise<void>;
}

/** Starts an issuer with one key; `audience` goes into `aud` of signed tokens. */
export async function startTestIssuer(options: { alg?: IssuerKey["alg"]; audience?: string } = {}): Promise<TestIssuer> {
  const keys = [await generateIssuerKey("key-1", options.alg)];
  const fetches = { jwks: 0, discovery: 0 };
  let url = "";
  const server: Server = createServer((request, response) => {
    if (request.url === "/.well-known/jwks.json") {
      fetches.jwks++;
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: keys.map((key) => key.publicJwk) }));
    } else if (request.url === "/.well-known/openid-configuration") {
      fetches.discovery++;
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ issuer: url, jwks_uri: `${url}/.well-known/jwks.json`, id_token_signing_alg_values_supported: [...new Set(keys.map((key) => key.alg)), "HS256", "none"] }));
    } else {
      response.writeHead(404).end();
    }
  });
  url = `http://127.0.0.1:${String(await listenLocal(server))}`;
  return {
    url,
    jwksUrl: `${url}/.well-known/jwks.json`,
    keys,
    fetches,
    async sign(claims = {}, signOptions = {}) {
      const key = signOptions.key ?? keys[0]!;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: url, sub: "user-1", iat: now, exp: now + 3600, ...(options.audience === undefined ? {} : { aud: options.audience }), ...claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT", ...signOptions.header })
        .sign(key.privateKey);
    },
    close: () => closeServer(server),
  };
}

/** A JWT with `alg: none` and no signature (what a forger sends). */
export function unsignedToken(claims: JWTPayload): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}

/** An HS256 token whose HMAC key is the text of an RSA public key (the algorithm-confusion attack). */
export async function hmacWithPublicKey(claims: JWTPayload, key: IssuerKey): Promise<string> {
  const { exportSPKI } = await import("jose");
  const secret = new TextEncoder().encode(await exportSPKI(key.publicKey));
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: key.kid, typ: "JWT" }).sign(secret);
}

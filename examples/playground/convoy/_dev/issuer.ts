/*
 * DEVELOPMENT ONLY: the playground's token issuer. It stands in for a real sign-in service
 * (Auth0, Clerk, your own OIDC server): an ES256 key pair is generated the first time the app
 * loads and kept in `.convoy/playground-dev-issuer.json`; `auth.config.ts` trusts its public
 * key (a JWKS object), and `devAuth:signIn` mints tokens with its private key. Anyone who can
 * call `devAuth:signIn` can become any user: never deploy this. `_dev/` starts with `_`, so
 * it is not a functions module.
 */
import { createPrivateKey, generateKeyPairSync, type JsonWebKey } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";

export const DEV_ISSUER = "https://playground.convoy.invalid";
export const DEV_AUDIENCE = "convoy-playground";
const KEY_ID = "playground-dev";
const FILE = join(process.cwd(), ".convoy", "playground-dev-issuer.json");

/** The two users of the playground. */
export const DEV_USERS = {
  ada: { name: "Ada", email: "ada@example.com" },
  grace: { name: "Grace", email: "grace@example.com" },
} as const;

/** The key pair, generated once; `auth.config.ts` and the functions load it separately, so it lives in a file. */
function keyPair(): { privateJwk: JsonWebKey; publicJwk: JsonWebKey } {
  try {
    return JSON.parse(readFileSync(FILE, "utf8")) as { privateJwk: JsonWebKey; publicJwk: JsonWebKey };
  } catch {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pair = { privateJwk: privateKey.export({ format: "jwk" }), publicJwk: publicKey.export({ format: "jwk" }) };
    mkdirSync(join(process.cwd(), ".convoy"), { recursive: true });
    try {
      writeFileSync(FILE, JSON.stringify(pair), { flag: "wx", mode: 0o600 });
      return pair;
    } catch {
      // written meanwhile by the other loader: use that one
      return JSON.parse(readFileSync(FILE, "utf8")) as typeof pair;
    }
  }
}

/** The public key set `auth.config.ts` gives its `customJwt` provider. */
export function devJwks(): { keys: JsonWebKey[] } {
  return { keys: [{ ...keyPair().publicJwk, kid: KEY_ID, alg: "ES256", use: "sig" }] };
}

/** A one-hour ES256 token for one of {@link DEV_USERS}. */
export async function mintDevToken(user: keyof typeof DEV_USERS): Promise<string> {
  const key = createPrivateKey({ key: keyPair().privateJwk, format: "jwk" });
  return new SignJWT({ ...DEV_USERS[user] })
    .setProtectedHeader({ alg: "ES256", kid: KEY_ID, typ: "JWT" })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject(user)
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(key);
}

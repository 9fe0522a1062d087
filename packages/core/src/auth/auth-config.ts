import type { JSONWebKeySet } from "jose";
import { FrameworkError } from "../errors/framework-error.js";

/** An OpenID Connect issuer: keys found by discovery (`<domain>/.well-known/openid-configuration` → `jwks_uri`). */
export interface OidcProvider {
  type?: undefined;
  /** The issuer URL, as tokens name it in `iss` (a trailing slash is ignored when matching). */
  domain: string;
  /** The audience tokens must carry in `aud`. */
  applicationID: string;
}

/** Asymmetric algorithms a `customJwt` provider may pin. */
export const CUSTOM_JWT_ALGORITHMS = ["RS256", "ES256", "EdDSA"] as const;
export type CustomJwtAlgorithm = (typeof CUSTOM_JWT_ALGORITHMS)[number];

/** A JWT issuer whose public keys are a JWKS URL or a JWKS object, with one pinned algorithm. */
export interface CustomJwtProvider {
  type: "customJwt";
  /** Exactly the `iss` of its tokens (a trailing slash is ignored when matching). */
  issuer: string;
  /** A JWKS URL (fetched and cached) or the key set itself. */
  jwks: string | JSONWebKeySet;
  algorithm: CustomJwtAlgorithm;
  /** When set, `aud` must contain it. */
  applicationID?: string;
}

/** Tokens signed with a shared secret (HS256). */
export interface SecretProvider {
  type: "secret";
  issuer: string;
  /** At least 32 bytes (UTF-8). */
  secret: string;
  algorithm?: "HS256";
  /** When set, `aud` must contain it. */
  applicationID?: string;
}

export type AuthProvider = OidcProvider | CustomJwtProvider | SecretProvider;

/**
 * `convoy/auth.config.ts`'s default export: how tokens are verified (SPEC §10).
 *
 * @example
 * export default {
 *   providers: [
 *     { domain: "https://login.example.com", applicationID: "my-app" },
 *     { type: "customJwt", issuer: "https://auth.example.com", jwks: "https://auth.example.com/jwks.json", algorithm: "RS256" },
 *     { type: "secret", issuer: "my-app", secret: process.env.CONVOY_JWT_SECRET!, algorithm: "HS256" },
 *   ],
 * } satisfies AuthConfig;
 */
export interface AuthConfig {
  providers: readonly AuthProvider[];
}

/** A malformed auth configuration (`INTERNAL`: a server-side mistake); the message names the provider and the field. */
export class AuthConfigError extends FrameworkError {
  override readonly name = "AuthConfigError";
  constructor(message: string) {
    super("INTERNAL", `auth config: ${message}`);
  }
}

const MIN_SECRET_BYTES = 32;

/**
 * Checks an auth configuration (what `auth.config.ts` exported) and returns it typed. Throws
 * {@link AuthConfigError} for no providers, an unknown `type`, a missing field, a URL that is
 * not `https:` (plain `http:` only on localhost), a short secret, an unsupported algorithm.
 */
export function validateAuthConfig(config: unknown): AuthConfig {
  if (!isRecord(config)) throw new AuthConfigError("the auth config must be an object: export default { providers: [...] }");
  const providers = config.providers;
  if (!Array.isArray(providers)) throw new AuthConfigError("the auth config needs `providers`, an array");
  if (providers.length === 0) throw new AuthConfigError("the auth config has no providers; add one or delete auth.config.ts");
  return { providers: providers.map((provider, index) => validateProvider(provider, `providers[${String(index)}]`)) };
}

function validateProvider(provider: unknown, where: string): AuthProvider {
  if (!isRecord(provider)) throw new AuthConfigError(`${where} must be an object`);
  const type = provider.type;
  switch (type) {
    case undefined:
    case "oidc":
      return {
        domain: url(provider.domain, `${where}.domain`),
        applicationID: nonEmptyString(provider.applicationID, `${where}.applicationID (the audience of an OIDC provider)`),
      };
    case "customJwt": {
      const algorithm = provider.algorithm;
      if (!(CUSTOM_JWT_ALGORITHMS as readonly unknown[]).includes(algorithm)) {
        throw new AuthConfigError(`${where}.algorithm must be one of ${CUSTOM_JWT_ALGORITHMS.join(", ")}, got ${JSON.stringify(algorithm)}`);
      }
      const jwks = provider.jwks;
      return {
        type,
        issuer: nonEmptyString(provider.issuer, `${where}.issuer`),
        jwks: typeof jwks === "string" ? url(jwks, `${where}.jwks`) : keySet(jwks, `${where}.jwks`),
        algorithm: algorithm as CustomJwtAlgorithm,
        ...optionalApplicationID(provider.applicationID, where),
      };
    }
    case "secret": {
      const secret = nonEmptyString(provider.secret, `${where}.secret`);
      if (new TextEncoder().encode(secret).length < MIN_SECRET_BYTES) throw new AuthConfigError(`${where}.secret must be at least ${String(MIN_SECRET_BYTES)} bytes long`);
      if (provider.algorithm !== undefined && provider.algorithm !== "HS256") {
        throw new AuthConfigError(`${where}.algorithm of a secret provider must be "HS256", got ${JSON.stringify(provider.algorithm)}`);
      }
      return { type, issuer: nonEmptyString(provider.issuer, `${where}.issuer`), secret, algorithm: "HS256", ...optionalApplicationID(provider.applicationID, where) };
    }
    default:
      throw new AuthConfigError(`${where}.type must be "customJwt" or "secret" (or absent for OIDC), got ${JSON.stringify(type)}`);
  }
}

function optionalApplicationID(value: unknown, where: string): { applicationID?: string } {
  return value === undefined ? {} : { applicationID: nonEmptyString(value, `${where}.applicationID`) };
}

function nonEmptyString(value: unknown, where: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new AuthConfigError(`${where} must be a non-empty string`);
  return value;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** An absolute `https:` URL; `http:` only for a loopback host (a development issuer). */
function url(value: unknown, where: string): string {
  const text = nonEmptyString(value, where);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new AuthConfigError(`${where} is not a URL: ${JSON.stringify(text)}`);
  }
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && LOOPBACK.has(parsed.hostname))) {
    throw new AuthConfigError(`${where} must be an https: URL (http: only on localhost), got ${JSON.stringify(text)}`);
  }
  return text;
}

function keySet(value: unknown, where: string): JSONWebKeySet {
  if (!isRecord(value) || !Array.isArray(value.keys) || value.keys.length === 0 || !value.keys.every(isRecord)) {
    throw new AuthConfigError(`${where} must be a JWKS URL or a key set { keys: [...] } with at least one key`);
  }
  if (value.keys.some((key) => "d" in key || key.kty === "oct")) throw new AuthConfigError(`${where} must hold public keys only (no "d", no "oct" secrets)`);
  return value as unknown as JSONWebKeySet;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

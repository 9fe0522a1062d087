import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from "jose";
import { FrameworkError } from "../errors/framework-error.js";
import type { AuthProvider, OidcProvider } from "./auth-config.js";

/** Tolerance for `exp`, `nbf` and `iat` against the server's clock (SPEC §10). */
export const CLOCK_SKEW_SECONDS = 60;

/** Asymmetric algorithms an OIDC provider may use (from its discovery document); never HMAC, never `none`. */
const OIDC_ALGORITHMS = new Set(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"]);

/** How providers fetch keys. */
export interface ProviderOptions {
  /** Least time between two JWKS fetches caused by an unknown `kid`, in ms (default 60 000). */
  jwksCooldownMs: number;
  /** Longest wait for a discovery document or a JWKS, in ms (default 5000). */
  fetchTimeoutMs: number;
  /** The clock, in epoch ms. */
  now: () => number;
}

/** One configured provider, ready to verify tokens that name its issuer. */
export interface ProviderVerifier {
  /** The issuer as matched against `iss` (no trailing slash). */
  readonly issuer: string;
  /** Verifies signature (pinned algorithms) and claims; throws jose's errors. */
  verify(token: string): Promise<JWTPayload>;
}

/** `"https://x.com/"` and `"https://x.com"` name the same issuer. */
export function normalizeIssuer(issuer: string): string {
  return issuer.replace(/\/+$/, "");
}

/** The verifier of one provider (validated by `validateAuthConfig`). Remote keys are fetched lazily. */
export function createProviderVerifier(provider: AuthProvider, options: ProviderOptions): ProviderVerifier {
  const claims = (applicationID: string | undefined): JWTVerifyOptions => ({
    ...(applicationID === undefined ? {} : { audience: applicationID }),
    requiredClaims: ["exp"],
    clockTolerance: CLOCK_SKEW_SECONDS,
  });
  const remote = (url: string) => remoteKeySet(url, options);
  switch (provider.type) {
    case undefined:
      return oidcVerifier(provider, options, claims(provider.applicationID), remote);
    case "customJwt": {
      const keys = typeof provider.jwks === "string" ? remote(provider.jwks) : createLocalJWKSet(provider.jwks);
      return verifierWith(provider.issuer, keys, { ...claims(provider.applicationID), algorithms: [provider.algorithm] }, options);
    }
    case "secret": {
      const key = new TextEncoder().encode(provider.secret);
      return verifierWith(provider.issuer, key, { ...claims(provider.applicationID), algorithms: ["HS256"] }, options);
    }
  }
}

function verifierWith(issuer: string, key: JWTVerifyGetKey | Uint8Array, verifyOptions: JWTVerifyOptions, options: ProviderOptions): ProviderVerifier {
  return {
    issuer: normalizeIssuer(issuer),
    verify: async (token) => {
      const currentDate = new Date(options.now());
      // the two overloads of jwtVerify (a key, or a key-resolving function)
      const { payload } = key instanceof Uint8Array ? await jwtVerify(token, key, { ...verifyOptions, currentDate }) : await jwtVerify(token, key, { ...verifyOptions, currentDate });
      return payload;
    },
  };
}

/**
 * A JWKS URL, cached (jose refreshes it after 10 minutes). A token whose `kid` is not in the
 * cached set triggers one refetch, and such refetches happen at most once per cooldown (a
 * minute): a rotated key is picked up at once, a flood of made-up `kid`s costs one fetch a
 * minute. Tokens arriving while that refetch runs wait for it.
 */
function remoteKeySet(url: string, options: ProviderOptions): JWTVerifyGetKey {
  // jose's own unknown-kid refetch is off (an infinite cooldown): this wrapper decides
  const set = createRemoteJWKSet(new URL(url), { cooldownDuration: Number.POSITIVE_INFINITY, timeoutDuration: options.fetchTimeoutMs });
  let lastRefetch = Number.NEGATIVE_INFINITY;
  let refetching: Promise<void> | undefined;
  return async (header, token) => {
    try {
      return await set(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      if (refetching === undefined) {
        if (options.now() - lastRefetch < options.jwksCooldownMs) throw error;
        lastRefetch = options.now();
        refetching = set.reload().finally(() => {
          refetching = undefined;
        });
      }
      await refetching;
      return set(header, token);
    }
  };
}

interface Discovered {
  keys: JWTVerifyGetKey;
  algorithms: string[];
}

/**
 * OIDC: the discovery document is fetched on the first token naming this issuer and kept; a
 * failed discovery is retried by a later token, at most once per cooldown.
 */
function oidcVerifier(provider: OidcProvider, options: ProviderOptions, claimOptions: JWTVerifyOptions, remote: (url: string) => JWTVerifyGetKey): ProviderVerifier {
  const issuer = normalizeIssuer(provider.domain);
  let discovered: Promise<Discovered> | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;
  let lastFailure: unknown;
  const discover = async (): Promise<Discovered> => {
    const url = `${issuer}/.well-known/openid-configuration`;
    let document: unknown;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(options.fetchTimeoutMs), headers: { accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${String(response.status)}`);
      document = await response.json();
    } catch (error) {
      throw new FrameworkError("UNAVAILABLE", `OIDC discovery at ${url} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const { issuer: documentIssuer, jwks_uri: jwksUri, id_token_signing_alg_values_supported: supported } = (document ?? {}) as Record<string, unknown>;
    if (typeof documentIssuer !== "string" || normalizeIssuer(documentIssuer) !== issuer) {
      throw new FrameworkError("UNAVAILABLE", `OIDC discovery at ${url} names issuer ${JSON.stringify(documentIssuer)}, not ${JSON.stringify(provider.domain)}`);
    }
    if (typeof jwksUri !== "string" || !URL.canParse(jwksUri)) throw new FrameworkError("UNAVAILABLE", `OIDC discovery at ${url} has no valid jwks_uri`);
    const algorithms = Array.isArray(supported) ? supported.filter((alg): alg is string => typeof alg === "string" && OIDC_ALGORITHMS.has(alg)) : [];
    return { keys: remote(jwksUri), algorithms: algorithms.length > 0 ? algorithms : ["RS256"] };
  };
  return {
    issuer,
    verify: async (token) => {
      if (discovered === undefined) {
        if (options.now() - failedAt < options.jwksCooldownMs) throw lastFailure;
        discovered = discover();
        discovered.catch((error: unknown) => {
          discovered = undefined;
          failedAt = options.now();
          lastFailure = error;
        });
      }
      const { keys, algorithms } = await discovered;
      const { payload } = await jwtVerify(token, keys, { ...claimOptions, algorithms, currentDate: new Date(options.now()) });
      return payload;
    },
  };
}

import { decodeJwt, decodeProtectedHeader, errors, type JWTPayload } from "jose";
import { FrameworkError, isFrameworkError } from "../errors/framework-error.js";
import type { UserIdentity } from "../functions/context.js";
import { validateAuthConfig, type AuthConfig } from "./auth-config.js";
import { CLOCK_SKEW_SECONDS, createProviderVerifier, normalizeIssuer, type ProviderVerifier } from "./providers.js";
import { TokenCache } from "./token-cache.js";
import { identityFromClaims } from "./user-identity.js";

/**
 * Verifies a bearer token and returns who it names. Throws `FrameworkError("UNAUTHENTICATED",
 * <reason>)` for any token that fails a check (`UNAVAILABLE` when the issuer's keys cannot be
 * fetched). The HTTP handlers and the sync socket take one as `verifyToken`.
 */
export type TokenVerifier = (token: string) => Promise<UserIdentity>;

/** Tuning of {@link createTokenVerifier}; the defaults suit a server. */
export interface TokenVerifierOptions {
  /** Most verified tokens kept (default 10 000); `0` turns the cache off. */
  cacheSize?: number;
  /** Least time between JWKS refetches caused by an unknown `kid`, in ms (default 60 000). */
  jwksCooldownMs?: number;
  /** Longest wait for a discovery document or a JWKS, in ms (default 5000). */
  fetchTimeoutMs?: number;
  /** Called after each verification that was not answered from the cache (metrics, tests). */
  onVerification?: (event: { ok: boolean; issuer: string | undefined }) => void;
  /** The clock in epoch ms (default `Date.now`). */
  now?: () => number;
}

/** The message of the 401 for a token sent to a server without auth providers. */
export const NO_PROVIDERS_MESSAGE = "no auth providers configured (convoy/auth.config.ts), but the request carries a token";

/** Tokens longer than this are not cached (they are still verified). */
const MAX_CACHED_TOKEN_LENGTH = 8192;

/**
 * A {@link TokenVerifier} for an auth configuration (SPEC §10): the provider is picked by the
 * token's `iss`; its keys and pinned algorithms check the signature; `exp` is required and,
 * like `nbf` and `iat`, checked with 60 s of clock skew; `aud` must contain the provider's
 * `applicationID` when it sets one. Verified tokens are cached (bounded LRU, each entry
 * until the token's `exp`), so a client sending the same token costs one verification; the
 * same token verified concurrently is verified once. Throws `AuthConfigError` for a bad config.
 *
 * @example
 * const verifyToken = createTokenVerifier({ providers: [{ type: "secret", issuer: "my-app", secret }] });
 * createServer({ runtime, verifyToken });
 * const identity = await verifyToken(jwt); // { tokenIdentifier: "my-app|user1", subject: "user1", … }
 */
export function createTokenVerifier(config: AuthConfig, options: TokenVerifierOptions = {}): TokenVerifier {
  const { providers } = validateAuthConfig(config);
  const now = options.now ?? Date.now;
  const providerOptions = { jwksCooldownMs: options.jwksCooldownMs ?? 60_000, fetchTimeoutMs: options.fetchTimeoutMs ?? 5000, now };
  const byIssuer = new Map<string, ProviderVerifier[]>();
  for (const provider of providers) {
    const verifier = createProviderVerifier(provider, providerOptions);
    byIssuer.set(verifier.issuer, [...(byIssuer.get(verifier.issuer) ?? []), verifier]);
  }
  const cache = new TokenCache<UserIdentity>(options.cacheSize ?? 10_000, now);
  const inFlight = new Map<string, Promise<UserIdentity>>();

  const verify = async (token: string): Promise<UserIdentity> => {
    const claims = decode(token);
    const issuer = typeof claims.iss === "string" ? claims.iss : undefined;
    try {
      if (issuer === undefined) throw unauthenticated("the token names no issuer (iss claim)");
      const candidates = byIssuer.get(normalizeIssuer(issuer));
      if (candidates === undefined) throw unauthenticated(`unknown issuer ${JSON.stringify(issuer)}`);
      const payload = await firstVerified(candidates, token);
      if (typeof payload.iat === "number" && payload.iat > now() / 1000 + CLOCK_SKEW_SECONDS) throw unauthenticated("the token is issued in the future (iat claim)");
      const identity = identityFromClaims(payload);
      options.onVerification?.({ ok: true, issuer });
      if (token.length <= MAX_CACHED_TOKEN_LENGTH && typeof payload.exp === "number") cache.set(token, identity, payload.exp * 1000);
      return identity;
    } catch (error) {
      options.onVerification?.({ ok: false, issuer });
      throw error;
    }
  };

  return async (token) => {
    const cached = cache.get(token);
    if (cached !== undefined) return cached;
    const pending = inFlight.get(token);
    if (pending !== undefined) return pending;
    const verifying = verify(token).finally(() => inFlight.delete(token));
    inFlight.set(token, verifying);
    return verifying;
  };
}

/** The unverified claims, only to pick the provider; a token that is not a compact JWS is malformed. */
function decode(token: string): JWTPayload {
  try {
    decodeProtectedHeader(token);
    return decodeJwt(token);
  } catch {
    throw unauthenticated("the token is malformed (not a signed JWT)");
  }
}

/** Tries each provider of the issuer (several may share one, with different audiences); the first failure is reported. */
async function firstVerified(candidates: readonly ProviderVerifier[], token: string): Promise<JWTPayload> {
  let firstError: unknown;
  for (const candidate of candidates) {
    try {
      return await candidate.verify(token);
    } catch (error) {
      firstError ??= error;
    }
  }
  throw reasonOf(firstError);
}

function unauthenticated(reason: string): FrameworkError {
  return new FrameworkError("UNAUTHENTICATED", reason);
}

/** jose's failure as a `FrameworkError` whose message names the reason. */
function reasonOf(error: unknown): FrameworkError {
  if (isFrameworkError(error)) return error;
  if (error instanceof errors.JWTExpired) return unauthenticated("the token has expired (exp claim)");
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "exp":
        return unauthenticated("the token has no valid expiry (exp claim)");
      case "nbf":
        return unauthenticated("the token is not valid yet (nbf claim in the future)");
      case "iat":
        return unauthenticated("the token is issued in the future (iat claim)");
      case "aud":
        return unauthenticated("wrong audience: the token's aud does not contain this app's applicationID");
      default:
        return unauthenticated(`invalid claim ${error.claim}: ${error.reason}`);
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return unauthenticated("the token's algorithm (alg) is not the one this issuer signs with");
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return unauthenticated("bad signature");
  if (error instanceof errors.JWKSNoMatchingKey) return unauthenticated("unknown signing key (no key of the issuer matches the token's kid)");
  if (error instanceof errors.JWKSMultipleMatchingKeys) return unauthenticated("ambiguous signing key (several keys of the issuer match; the token needs a kid)");
  if (error instanceof errors.JWKSTimeout) return new FrameworkError("UNAVAILABLE", "the issuer's keys (JWKS) did not arrive in time; retry later", { cause: error });
  if (error instanceof errors.JWKSInvalid) return new FrameworkError("UNAVAILABLE", "the issuer's JWKS is not a valid key set", { cause: error });
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return unauthenticated(`the token is malformed (${error.message})`);
  // jose reports a JWKS fetch that failed (HTTP status, not JSON) as a bare JOSEError, a network failure as a plain error
  if (error instanceof errors.JOSEError && error.constructor !== errors.JOSEError) return unauthenticated(`the token was refused: ${error.message}`);
  return new FrameworkError("UNAVAILABLE", `could not fetch the issuer's keys: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

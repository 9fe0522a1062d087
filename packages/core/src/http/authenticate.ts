import { NO_PROVIDERS_MESSAGE, type TokenVerifier } from "../auth/verify-token.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { UserIdentity } from "../functions/context.js";

/** `Bearer <token>`; the scheme is case-insensitive (RFC 7235), the token68 charset is RFC 6750's. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The caller's identity from the `Authorization` header: none → anonymous (`null`); present
 * but not a valid bearer token → `UNAUTHENTICATED`, never anonymous (SPEC §10).
 */
export async function identityFromHeader(authorization: string | undefined, verifyToken: TokenVerifier | undefined): Promise<UserIdentity | null> {
  if (authorization === undefined) return null;
  const match = BEARER.exec(authorization);
  if (match === null) throw new FrameworkError("UNAUTHENTICATED", 'the Authorization header must be "Bearer <token>"');
  if (verifyToken === undefined) throw new FrameworkError("UNAUTHENTICATED", NO_PROVIDERS_MESSAGE);
  return verifyToken(match[1]!);
}

/** RFC 6750's challenge on a 401 for a refused token. */
export const INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"';

/**
 * {@link identityFromHeader} for an HTTP route: no header → `null` without a promise (the hot
 * path); a refused token also sets RFC 6750's challenge on the response headers.
 */
export function requestIdentity(
  authorization: string | undefined,
  verifyToken: TokenVerifier | undefined,
  headers: Record<string, string>,
): UserIdentity | null | Promise<UserIdentity | null> {
  if (authorization === undefined) return null;
  return identityFromHeader(authorization, verifyToken).catch((error: unknown) => {
    if (error instanceof FrameworkError && error.code === "UNAUTHENTICATED") headers["WWW-Authenticate"] = INVALID_TOKEN_CHALLENGE;
    throw error;
  });
}

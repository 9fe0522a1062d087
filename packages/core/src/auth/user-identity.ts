import { FrameworkError } from "../errors/framework-error.js";
import type { UserIdentity } from "../functions/context.js";

/** The issuer of identities made by `convoyTest(...).withIdentity` when none is given. */
export const TEST_ISSUER = "https://convoy.test";

/** Standard OIDC claims and the camel-cased `UserIdentity` field each becomes (Convex's mapping). */
const CLAIM_FIELDS: Readonly<Record<string, string>> = {
  email_verified: "emailVerified",
  picture: "pictureUrl",
  given_name: "givenName",
  family_name: "familyName",
  middle_name: "middleName",
  preferred_username: "preferredUsername",
  profile: "profileUrl",
  phone_number: "phoneNumber",
  phone_number_verified: "phoneNumberVerified",
  updated_at: "updatedAt",
};

/** Registered JWT claims that describe the token, not the user: not copied into the identity. */
const TOKEN_CLAIMS = new Set(["iss", "sub", "aud", "exp", "nbf", "iat", "jti"]);

/**
 * Convex's `UserIdentity` from a verified token's claims (SPEC §10): `tokenIdentifier` is
 * `"<iss>|<sub>"`, standard OIDC claims are camel-cased, custom claims are kept as they are.
 * Throws `UNAUTHENTICATED` when `iss` or `sub` is missing.
 */
export function identityFromClaims(claims: Readonly<Record<string, unknown>>): UserIdentity {
  const issuer = claims.iss;
  const subject = claims.sub;
  if (typeof issuer !== "string" || issuer === "") throw new FrameworkError("UNAUTHENTICATED", "the token has no issuer (iss claim)");
  if (typeof subject !== "string" || subject === "") throw new FrameworkError("UNAUTHENTICATED", "the token has no subject (sub claim)");
  const identity: Record<string, unknown> = { tokenIdentifier: `${issuer}|${subject}`, subject, issuer };
  for (const [claim, value] of Object.entries(claims)) {
    if (TOKEN_CLAIMS.has(claim) || value === undefined) continue;
    identity[CLAIM_FIELDS[claim] ?? claim] = value;
  }
  return Object.freeze(identity) as UserIdentity;
}

/** Claims a test or `convoy run --identity` gives: identity fields, any of them optional. */
export interface IdentityClaims {
  subject?: string;
  issuer?: string;
  tokenIdentifier?: string;
  [claim: string]: unknown;
}

/**
 * The identity `convoyTest(...).withIdentity(claims)` and `convoy run --identity` give calls:
 * `issuer` defaults to {@link TEST_ISSUER}, `subject` to a stable value derived from the claims,
 * `tokenIdentifier` to `"<issuer>|<subject>"`.
 */
export function identityFromTestClaims(claims: IdentityClaims): UserIdentity {
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) {
    throw new FrameworkError("BAD_REQUEST", "an identity must be an object of claims, e.g. { \"subject\": \"user1\", \"name\": \"Ada\" }");
  }
  const issuer = claims.issuer ?? TEST_ISSUER;
  const subject = claims.subject ?? (typeof claims.tokenIdentifier === "string" ? claims.tokenIdentifier : JSON.stringify(claims));
  if (typeof issuer !== "string" || typeof subject !== "string") throw new FrameworkError("BAD_REQUEST", "identity issuer and subject must be strings");
  return Object.freeze({ ...claims, issuer, subject, tokenIdentifier: claims.tokenIdentifier ?? `${issuer}|${subject}` });
}

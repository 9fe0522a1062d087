/**
 * Authentication (M3): the providers of `convoy/auth.config.ts` and the verifier of bearer tokens.
 *
 * ```ts
 * const verifyToken = createTokenVerifier(authConfig);
 * const identity = await verifyToken(jwt); // UserIdentity, or throws UNAUTHENTICATED
 * ```
 */
export {
  AuthConfigError,
  CUSTOM_JWT_ALGORITHMS,
  validateAuthConfig,
  type AuthConfig,
  type AuthProvider,
  type CustomJwtAlgorithm,
  type CustomJwtProvider,
  type OidcProvider,
  type SecretProvider,
} from "./auth-config.js";
export { createTokenVerifier, NO_PROVIDERS_MESSAGE, type TokenVerifier, type TokenVerifierOptions } from "./verify-token.js";
export { identityFromClaims, identityFromTestClaims, TEST_ISSUER, type IdentityClaims } from "./user-identity.js";

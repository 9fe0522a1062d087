/*
 * Who may call the playground: tokens of its development issuer (convoy/_dev/issuer.ts).
 * A real app names its sign-in service here instead, e.g.
 *   { domain: "https://your-tenant.auth0.com", applicationID: "your-client-id" }
 * See docs/auth.md.
 */
import type { AuthConfig } from "@convoy/core/server";
import { DEV_AUDIENCE, DEV_ISSUER, devJwks } from "./_dev/issuer.js";

export default {
  providers: [{ type: "customJwt", issuer: DEV_ISSUER, jwks: devJwks(), algorithm: "ES256", applicationID: DEV_AUDIENCE }],
} satisfies AuthConfig;

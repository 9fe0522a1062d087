import fc from "fast-check";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { generateIssuerKey } from "../../test/helpers/token-issuer.js";
import { FrameworkError } from "../errors/framework-error.js";
import { createTokenVerifier } from "./verify-token.js";

const BASE64URL = Array.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

/** A token with one character replaced, inserted or removed, anywhere (header, payload, signature, dots). */
const arbEdit = fc.record({
  kind: fc.constantFrom("replace", "insert", "delete"),
  at: fc.nat(),
  char: fc.constantFrom(...BASE64URL, ".", "=", " "),
});

function applyEdit(token: string, edit: { kind: string; at: number; char: string }): string {
  const at = edit.at % token.length;
  if (edit.kind === "replace") return token.slice(0, at) + edit.char + token.slice(at + 1);
  if (edit.kind === "insert") return token.slice(0, at) + edit.char + token.slice(at);
  return token.slice(0, at) + token.slice(at + 1);
}

describe("tampered tokens (property)", () => {
  for (const alg of ["HS256", "ES256"] as const) {
    it(`${alg}: any edit of a valid token is refused with UNAUTHENTICATED or verifies as the very same identity`, async () => {
      const secret = "a-property-test-secret-of-at-least-32-bytes";
      const key = alg === "ES256" ? await generateIssuerKey("k1", "ES256") : undefined;
      const verify = createTokenVerifier(
        {
          providers: [
            key === undefined
              ? { type: "secret", issuer: "https://prop.test", secret, applicationID: "app" }
              : { type: "customJwt", issuer: "https://prop.test", jwks: { keys: [key.publicJwk] }, algorithm: "ES256", applicationID: "app" },
          ],
        },
        { cacheSize: 0 },
      );
      const token = await new SignJWT({ sub: "ada", aud: "app", role: "member" })
        .setProtectedHeader({ alg, kid: "k1" })
        .setIssuer("https://prop.test")
        .setExpirationTime("1h")
        .sign(key?.privateKey ?? new TextEncoder().encode(secret));
      const original = await verify(token);
      await fc.assert(
        fc.asyncProperty(fc.array(arbEdit, { minLength: 1, maxLength: 3 }), async (edits) => {
          const tampered = edits.reduce(applyEdit, token);
          const outcome = await verify(tampered).then(
            (identity) => ({ identity }),
            (error: unknown) => ({ error }),
          );
          if ("identity" in outcome) {
            // only edits that leave the signed bytes unchanged (e.g. unused bits of the last base64url character) can pass
            expect(outcome.identity).toEqual(original);
          } else {
            expect(outcome.error).toBeInstanceOf(FrameworkError);
            expect((outcome.error as FrameworkError).code).toBe("UNAUTHENTICATED");
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});

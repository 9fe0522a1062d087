import { describe, expect, it } from "vitest";
import { identityFromClaims, identityFromTestClaims, TEST_ISSUER } from "./user-identity.js";

describe("identityFromClaims", () => {
  it("maps standard claims to Convex's UserIdentity and keeps custom claims", () => {
    const identity = identityFromClaims({
      iss: "https://login.example.com",
      sub: "user-1",
      aud: "app",
      exp: 1,
      iat: 1,
      name: "Ada",
      email: "ada@example.com",
      email_verified: true,
      picture: "https://example.com/ada.png",
      given_name: "Ada",
      family_name: "Lovelace",
      preferred_username: "ada",
      profile: "https://example.com/ada",
      phone_number: "+1",
      org: { role: "admin" },
    });
    expect(identity).toEqual({
      tokenIdentifier: "https://login.example.com|user-1",
      subject: "user-1",
      issuer: "https://login.example.com",
      name: "Ada",
      email: "ada@example.com",
      emailVerified: true,
      pictureUrl: "https://example.com/ada.png",
      givenName: "Ada",
      familyName: "Lovelace",
      preferredUsername: "ada",
      profileUrl: "https://example.com/ada",
      phoneNumber: "+1",
      org: { role: "admin" },
    });
  });

  it("refuses a token without issuer or subject", () => {
    expect(() => identityFromClaims({ sub: "x" })).toThrow(/issuer/);
    expect(() => identityFromClaims({ iss: "x" })).toThrow(/subject/);
  });
});

describe("identityFromTestClaims", () => {
  it("defaults the issuer and derives the token identifier", () => {
    expect(identityFromTestClaims({ subject: "ada", name: "Ada" })).toEqual({
      subject: "ada",
      issuer: TEST_ISSUER,
      tokenIdentifier: `${TEST_ISSUER}|ada`,
      name: "Ada",
    });
    expect(identityFromTestClaims({ subject: "u", issuer: "https://i" }).tokenIdentifier).toBe("https://i|u");
  });

  it("refuses claims that are not an object", () => {
    expect(() => identityFromTestClaims([] as never)).toThrow(/object of claims/);
  });
});

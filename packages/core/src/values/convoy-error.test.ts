import { describe, expect, it } from "vitest";
import { ConvoyError, isConvoyError } from "./convoy-error.js";

describe("ConvoyError", () => {
  it("carries data, code and name", () => {
    const error = new ConvoyError({ reason: "sold out", n: 1n });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ConvoyError");
    expect(error.code).toBe("APPLICATION_ERROR");
    expect(error.data).toEqual({ reason: "sold out", n: 1n });
    expect(error.message).toBe('{"reason":"sold out","n":{"$integer":"AQAAAAAAAAA="}}');
    expect(isConvoyError(error)).toBe(true);
    expect(isConvoyError(new Error("x"))).toBe(false);
  });

  it("uses a string payload as the message", () => {
    expect(new ConvoyError("nope").message).toBe("nope");
  });
});

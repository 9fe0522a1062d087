import { describe, expectTypeOf, it } from "vitest";
import type { ErrorCode as ServerErrorCode } from "../server/index.js";
import { ConvoyRequestError, type ConvoyRequestErrorCode, type ErrorCode } from "./index.js";

describe("ConvoyRequestError.code", () => {
  it("is the union of the server's codes and the client's own", () => {
    expectTypeOf<ConvoyRequestError["code"]>().toEqualTypeOf<ConvoyRequestErrorCode>();
    expectTypeOf<ConvoyRequestErrorCode>().toEqualTypeOf<ErrorCode | "NETWORK_ERROR" | "TIMEOUT" | "ABORTED">();
    expectTypeOf<ErrorCode>().toEqualTypeOf<ServerErrorCode>();
    expectTypeOf<"ARGS_INVALID">().toExtend<ConvoyRequestErrorCode>();
    expectTypeOf<"APPLICATION_ERROR">().toExtend<ConvoyRequestErrorCode>();
  });

  it("narrows on a comparison and rejects codes that do not exist", () => {
    const error = new ConvoyRequestError("ARGS_INVALID", "bad", 400);
    if (error.code === "APPLICATION_ERROR") expectTypeOf(error.code).toEqualTypeOf<"APPLICATION_ERROR">();
    // @ts-expect-error not a code
    const wrong = new ConvoyRequestError("NOPE", "bad", 400);
    expectTypeOf(wrong).toEqualTypeOf<ConvoyRequestError>();
    // @ts-expect-error a typo no longer compiles
    if (error.code === "ARGS_INVALD") return;
  });
});

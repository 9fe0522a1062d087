import { describe, expect, it } from "vitest";
import { ConvoyError } from "../values/convoy-error.js";
import { CallLog } from "./call-log.js";

describe("CallLog", () => {
  it("keeps the newest calls up to its capacity, numbered, with the error's code and message", () => {
    const log = new CallLog(3);
    for (let i = 0; i < 5; i++) log.add({ kind: "query", name: `q${i}`, durationMs: 1.234, ok: true, attempts: 1 });
    log.add({ kind: "mutation", name: "m", durationMs: 2, ok: false, errorCode: "APPLICATION_ERROR", error: new ConvoyError("sold out"), attempts: 2 });
    const kept = log.since(0);
    expect(kept.map((call) => [call.seq, call.name])).toEqual([
      [4, "q3"],
      [5, "q4"],
      [6, "m"],
    ]);
    expect(kept[0]).toMatchObject({ ok: true, durationMs: 1.2 });
    expect(kept[0]).not.toHaveProperty("errorCode");
    expect(kept[2]).toMatchObject({ ok: false, errorCode: "APPLICATION_ERROR", errorMessage: "sold out", attempts: 2 });
    expect(log.since(5).map((call) => call.name)).toEqual(["m"]);
    expect(log.since(6)).toEqual([]);
    expect(log.since(0, 1).map((call) => call.name)).toEqual(["m"]);
  });
});

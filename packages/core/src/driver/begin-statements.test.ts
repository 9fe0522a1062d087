import { describe, expect, it } from "vitest";
import { beginStatements, RESET_SESSION_SQL, UNKNOWN_SESSION } from "./driver-utils.js";
import type { TransactionOptions } from "./driver.js";

const MUTATION: TransactionOptions = { isolation: "serializable", origin: "server1", statementTimeoutMs: 30_000 };
const texts = (options: TransactionOptions, profile: string, statementTimeoutMs?: number) => {
  const start = beginStatements(options, { profile, statementTimeoutMs });
  return { texts: start.statements.map((statement) => statement.text), values: start.statements.map((statement) => statement.values), profile: start.profile };
};

describe("beginStatements", () => {
  it("a mutation on a fresh connection sets its settings for the session; the next on that connection sends BEGIN alone", () => {
    const first = texts(MUTATION, "", 30_000);
    expect(first.texts).toEqual([
      "BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE",
      "SELECT set_config('enable_seqscan', 'off', false), set_config('convoy.origin', $1, false)",
    ]);
    expect(first.values[1]).toEqual(["server1"]);
    expect(first.profile).toBe("serializable server1");
    expect(texts(MUTATION, first.profile, 30_000)).toEqual({ texts: ["BEGIN ISOLATION LEVEL SERIALIZABLE READ WRITE"], values: [[]], profile: "serializable server1" });
  });

  it("another origin, or an unknown session, is set again", () => {
    expect(texts(MUTATION, "serializable other", 30_000).texts).toHaveLength(2);
    expect(texts(MUTATION, UNKNOWN_SESSION, 30_000).profile).toBe("serializable server1");
    expect(texts({ isolation: "serializable" }, "serializable server1").values[1]).toEqual([""]);
  });

  it("a transaction that may write, not a mutation, resets a mutation's session first; on a default session it needs nothing", () => {
    expect(texts({ isolation: "read committed" }, "serializable server1")).toEqual({
      texts: ["BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE", RESET_SESSION_SQL],
      values: [[], []],
      profile: "",
    });
    expect(texts({ isolation: "read committed" }, UNKNOWN_SESSION).texts).toContain(RESET_SESSION_SQL);
    expect(texts({ isolation: "repeatable read" }, "").texts).toEqual(["BEGIN ISOLATION LEVEL REPEATABLE READ READ WRITE"]);
  });

  it("a read-only transaction leaves the session as it is; serializable, it turns sequential scans off for itself unless the session has", () => {
    expect(texts({ isolation: "repeatable read", readOnly: true }, "serializable server1")).toEqual({ texts: ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"], values: [[]], profile: "serializable server1" });
    expect(texts({ isolation: "serializable", readOnly: true }, "").texts[1]).toBe("SELECT set_config('enable_seqscan', 'off', true)");
    expect(texts({ isolation: "serializable", readOnly: true }, "serializable x").texts).toHaveLength(1);
  });

  it("statement_timeout is set for the transaction only when it differs from the session's; an origin outside a mutation is too", () => {
    expect(texts(MUTATION, "serializable server1", 30_000).texts).toHaveLength(1);
    const shorter = texts(MUTATION, "serializable server1", 30_000 + 1);
    expect(shorter.texts[1]).toBe("SELECT set_config('statement_timeout', $1, true)");
    expect(shorter.values[1]).toEqual(["30000"]);
    const readCommitted = texts({ origin: "server1" }, "");
    expect(readCommitted.texts[1]).toBe("SELECT set_config('convoy.origin', $1, true)");
    expect(readCommitted.profile).toBe("");
  });

  it("rejects what it cannot send", () => {
    expect(() => texts({ statementTimeoutMs: -1 }, "", -1)).toThrow(/non-negative/);
    expect(() => texts({ origin: "a b" }, "")).toThrow(/origin/);
    expect(() => texts({ isolation: "snapshot" as never }, "")).toThrow(/isolation/);
  });
});

import { describe, expect, it } from "vitest";
import { DatabaseError } from "../errors/database-error.js";
import { FrameworkError, isFrameworkError } from "../errors/framework-error.js";
import { commitOutcomeUnknownError, isCommitOutcomeUnknown, isConnectionError, isDroppedConnectionError, normalizeDriverError } from "./errors.js";

/** A Node socket error shaped as `net` reports it. */
function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code, errno: -1, syscall: "connect" });
}

/** A Postgres error report shaped as pg / PGlite report it. */
function postgresError(code: string, message: string, fields: Record<string, string> = {}): Error {
  return Object.assign(new Error(message), { severity: "ERROR", code, ...fields });
}

describe("normalizeDriverError", () => {
  it("keeps SQLSTATE and fields of Postgres errors", () => {
    const error = normalizeDriverError(
      postgresError("23505", "duplicate key", { constraint: "t_pkey", table: "t", schema: "public", detail: "Key (id)=(1)", column: "" }),
    );
    expect(error).toBeInstanceOf(DatabaseError);
    const dbError = error as DatabaseError;
    expect([dbError.sqlState, dbError.constraint, dbError.table, dbError.schema, dbError.detail, dbError.column]).toEqual([
      "23505",
      "t_pkey",
      "t",
      "public",
      "Key (id)=(1)",
      undefined,
    ]);
    expect(dbError.message).toBe("duplicate key");
  });

  it("keeps serialization failures and deadlocks retryable DatabaseErrors", () => {
    for (const code of ["40001", "40P01"]) {
      const error = normalizeDriverError(postgresError(code, "could not serialize"));
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).isRetryable).toBe(true);
    }
  });

  it("maps lost or refused connections to UNAVAILABLE", () => {
    const lost = [
      systemError("ECONNREFUSED"),
      systemError("ECONNRESET"),
      systemError("ETIMEDOUT"),
      systemError("EPIPE"),
      new AggregateError([systemError("ECONNREFUSED"), systemError("ECONNREFUSED")], ""),
      new Error("Connection terminated unexpectedly"),
      new Error("Connection terminated due to connection timeout"),
      new Error("timeout exceeded when trying to connect"),
      new Error("Cannot use a pool after calling end on the pool"),
      postgresError("57P01", "terminating connection due to administrator command"),
      postgresError("57P02", "terminating connection due to crash of another server process"),
      postgresError("57P03", "the database system is starting up"),
      postgresError("08006", "connection failure"),
      new Error("PGlite is closed"),
    ];
    for (const error of lost) {
      expect(isConnectionError(error)).toBe(true);
      const normalized = normalizeDriverError(error);
      expect(isFrameworkError(normalized, "UNAVAILABLE")).toBe(true);
      expect((normalized as FrameworkError).message).toMatch(/^database unavailable: /);
      expect((normalized as FrameworkError).cause).toBe(error);
    }
  });

  it("returns framework errors and unrelated errors unchanged", () => {
    const framework = new FrameworkError("NOT_FOUND", "x");
    const plain = new TypeError("bad");
    expect(normalizeDriverError(framework)).toBe(framework);
    expect(normalizeDriverError(plain)).toBe(plain);
    expect(normalizeDriverError("text")).toBe("text");
    expect(isConnectionError(plain)).toBe(false);
  });
});

describe("isDroppedConnectionError", () => {
  it("is true for a connection that was up and died (terminated backend, reset, pg's own words)", () => {
    expect(isDroppedConnectionError(normalizeDriverError(postgresError("57P01", "terminating connection due to administrator command")))).toBe(true);
    expect(isDroppedConnectionError(normalizeDriverError(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", errno: -104, syscall: "read" })))).toBe(true);
    expect(isDroppedConnectionError(normalizeDriverError(new Error("Connection terminated unexpectedly")))).toBe(true);
  });

  it("is false for a refused or hung link, other errors, and a commit of unknown outcome", () => {
    expect(isDroppedConnectionError(normalizeDriverError(systemError("ECONNREFUSED")))).toBe(false);
    expect(isDroppedConnectionError(normalizeDriverError(new Error("timeout exceeded when trying to connect")))).toBe(false);
    expect(isDroppedConnectionError(normalizeDriverError(new Error("Query read timeout")))).toBe(false);
    expect(isDroppedConnectionError(normalizeDriverError(postgresError("23505", "duplicate key")))).toBe(false);
    const unknown = commitOutcomeUnknownError(new Error("Connection terminated unexpectedly"));
    expect(isCommitOutcomeUnknown(unknown)).toBe(true);
    expect(unknown.code).toBe("UNAVAILABLE");
    expect(isDroppedConnectionError(unknown)).toBe(false);
  });
});

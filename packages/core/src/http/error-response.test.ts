import { describe, expect, it } from "vitest";
import { DatabaseError } from "../errors/database-error.js";
import { ERROR_CODES, httpStatusOf, type ErrorCode } from "../errors/error-codes.js";
import { FrameworkError } from "../errors/framework-error.js";
import { ConvoyError } from "../values/convoy-error.js";
import { errorResponse } from "./error-response.js";

describe("errorResponse", () => {
  it("maps every framework code to its status from the table", () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const { status, body } = errorResponse(new FrameworkError(code, "m"), { dev: false });
      expect(status).toBe(httpStatusOf(code));
      expect(body.error.code).toBe(code);
    }
  });

  it("keeps path and data of framework errors", () => {
    const { body } = errorResponse(new FrameworkError("ARGS_INVALID", "args.a: expected string, got number", { path: "a", data: { hint: 1 } }), { dev: false });
    expect(body).toEqual({ error: { code: "ARGS_INVALID", message: "args.a: expected string, got number", path: "a", data: { hint: 1 } } });
  });

  it("encodes ConvoyError data as APPLICATION_ERROR", () => {
    const response = errorResponse(new ConvoyError({ left: 2n }), { dev: false });
    expect(response).toEqual({ status: 400, serverFault: false, body: { error: { code: "APPLICATION_ERROR", message: expect.any(String), data: { left: { $integer: "AgAAAAAAAAA=" } } } } });
  });

  it("hides unknown errors, SQL and connection details outside dev mode", () => {
    const unknown = errorResponse(new TypeError("x is undefined at SELECT *"), { dev: false });
    expect(unknown).toEqual({
      status: 500,
      serverFault: true,
      errorId: expect.stringMatching(/^[0-9a-f]{8}$/),
      body: { error: { code: "INTERNAL", message: `internal server error (error id ${unknown.errorId})`, errorId: unknown.errorId } },
    });
    const sql = errorResponse(new DatabaseError('relation "secret" does not exist', { sqlState: "42P01" }), { dev: false });
    expect(sql.body).toEqual({ error: { code: "INTERNAL", message: `internal server error (error id ${sql.errorId})`, errorId: sql.errorId } });
    const down = errorResponse(new FrameworkError("UNAVAILABLE", "database unavailable: connect ECONNREFUSED 10.0.0.5:5432"), { dev: false });
    expect(down).toEqual({ status: 503, serverFault: false, body: { error: { code: "UNAVAILABLE", message: "the database is unavailable; retry later" } } });
    const thrownString = errorResponse("just a string", { dev: false });
    expect(thrownString.body.error).toMatchObject({ code: "INTERNAL", message: expect.stringMatching(/^internal server error \(error id [0-9a-f]{8}\)$/) });
  });

  it("outside dev mode, INTERNAL and RETURNS_INVALID framework errors name no internals: a generic message and a fresh error id", () => {
    const internals = [
      new FrameworkError("INTERNAL", 'index "by_x" does not exist on table "secret_table" (its indexes: …)'),
      new FrameworkError("INTERNAL", "cannot read /srv/app/convoy/messages.ts", { data: { file: "/srv/app" } }),
      new FrameworkError("RETURNS_INVALID", "returns.password: expected number, got string"),
    ];
    const ids = new Set<string>();
    for (const error of internals) {
      const response = errorResponse(error, { dev: false });
      expect(response.status).toBe(500);
      expect(response.serverFault).toBe(true);
      expect(response.body.error).toEqual({ code: error.code, message: `internal server error (error id ${response.errorId})`, errorId: response.errorId });
      expect(JSON.stringify(response.body)).not.toMatch(/secret|srv|password|by_x/);
      ids.add(response.errorId!);
    }
    expect(ids.size).toBe(internals.length);
    // dev keeps the detail
    expect(errorResponse(internals[0], { dev: true }).body.error.message).toContain("secret_table");
    expect(errorResponse(internals[0], { dev: true }).errorId).toBeUndefined();
    // client mistakes keep their message outside dev too
    expect(errorResponse(new FrameworkError("ARGS_INVALID", "args.a: expected string"), { dev: false }).body.error.message).toBe("args.a: expected string");
  });

  it("shows the message and the stack in dev mode", () => {
    const { body } = errorResponse(new TypeError("x is undefined"), { dev: true });
    expect(body.error).toEqual({ code: "INTERNAL", message: "TypeError: x is undefined", stack: expect.stringContaining("x is undefined") });
    expect(errorResponse(new FrameworkError("NOT_FOUND", "nope"), { dev: true }).body.error.stack).toBeUndefined();
  });

  it("an unencodable ConvoyError payload is the function's fault", () => {
    const error = new ConvoyError({ when: new Date(0) } as never);
    expect(errorResponse(error, { dev: false })).toMatchObject({ status: 500, body: { error: { code: "INTERNAL" } } });
  });
});

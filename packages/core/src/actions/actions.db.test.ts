import { createServer as createNodeServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDriverKind } from "../../test/helpers/test-database.js";
import { anyApi } from "../functions/any-api.js";
import { isFrameworkError } from "../errors/index.js";
import { convoyTest, type ConvoyTest, type ConvoyTestOptions } from "../test/index.js";
import schema from "../scheduler/fixtures/convoy/schema.js";
import * as jobs from "../scheduler/fixtures/convoy/jobs.js";

const modules = { jobs };
const serverUrl = process.env.DATABASE_URL_TEST ?? "postgres://postgres@127.0.0.1:5432/postgres";
const options: ConvoyTestOptions = testDriverKind() === "pg" ? { databaseUrl: serverUrl } : {};
const api = anyApi;

/** One harness for the file (a fresh database costs seconds on a loaded machine). */
let t: ConvoyTest<never>;
let outside: Server;
let outsideUrl = "";
const received: string[] = [];
beforeAll(async () => {
  outside = createNodeServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      received.push(body);
      response.end("pong");
    });
  });
  await new Promise<void>((resolve) => outside.listen(0, "127.0.0.1", resolve));
  outsideUrl = `http://127.0.0.1:${(outside.address() as AddressInfo).port}/hook`;
  t = convoyTest(schema, modules, options) as unknown as ConvoyTest<never>;
});
afterAll(async () => {
  await t.close();
  await new Promise((resolve) => outside.close(resolve));
});

describe("actions", () => {
  it("call an HTTP server, then a mutation and a query (each its own transaction)", async () => {
    const result = await t.action(api.jobs!.callOut!, { url: outsideUrl });
    expect(result).toEqual({ answer: "pong", events: ["pong"] });
    expect(received).toContain("ping");
    expect(await t.query(api.jobs!.events!, {})).toEqual(["pong"]);
  });

  it("carry the caller's identity into nested actions; bad input is a structured error", async () => {
    expect(await t.action(api.jobs!.nested!, {})).toEqual({ inner: null });
    expect(await t.withIdentity({ subject: "ada" }).action(api.jobs!.nested!, {})).toEqual({ inner: "ada" });
    await expect(t.action(api.jobs!.callOut!, { url: 7 })).rejects.toSatisfy((error) => isFrameworkError(error, "ARGS_INVALID"));
    await expect(t.action("jobs:nope", {})).rejects.toSatisfy((error) => isFrameworkError(error, "NOT_FOUND"));
    // a mutation is not an action
    await expect(t.action("jobs:scheduleLog", { tag: "x", delayMs: 0 })).rejects.toSatisfy((error) => isFrameworkError(error, "NOT_FOUND"));
    await expect(t.action(api.jobs!.failingAction!, {})).rejects.toThrow("the action failed");
  });

  it("schedule from an action at once (no transaction to wait for)", async () => {
    const id = await t.action(api.jobs!.scheduleFromAction!, { tag: "from action" });
    expect(await t.query(api.jobs!.job!, { id })).toMatchObject({ name: "jobs:log", state: { kind: "pending" } });
    expect(await t.finishScheduledFunctions()).toBe(1);
    expect(await t.query(api.jobs!.events!, {})).toEqual(["pong", "from action"]);
  });
});

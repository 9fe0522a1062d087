import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import { startTestIssuer, type TestIssuer } from "../../test/helpers/token-issuer.js";
import { startTestServer, type TestServer } from "../http/fixtures/test-server.js";
import { convexAppAuth, createConvexAppRuntime, ref } from "./fixtures/convex-app.js";

/* The real `ConvexHttpClient` (convex 1.48) against a Convoy server: Convex's HTTP API. */

const db = useTestDatabase();
let issuer: TestIssuer;
let server: TestServer;

beforeAll(async () => {
  issuer = await startTestIssuer({ audience: "convoy-app" });
  const runtime = await createConvexAppRuntime(db().driver);
  server = await startTestServer(db().driver, { auth: convexAppAuth(issuer) }, runtime);
});
afterAll(async () => {
  await server.close();
  await issuer.close();
});
beforeEach(async () => {
  await db().driver.query("DELETE FROM notes");
});

function client(): ConvexHttpClient {
  return new ConvexHttpClient(server.url, { skipConvexDeploymentUrlCheck: true, logger: false });
}

async function noteCount(): Promise<number> {
  const { rows } = await db().driver.query<{ n: string }>("SELECT count(*) AS n FROM notes");
  return Number(rows[0]!.n);
}

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe("ConvexHttpClient against Convoy", () => {
  it("round-trips every value type through args and results", async () => {
    const bytes = new Uint8Array([0, 1, 254, 255]).buffer;
    const value = {
      text: "héllo",
      float: 1.5,
      int: 123n,
      minInt: -(2n ** 63n),
      bytes,
      nan: Number.NaN,
      negZero: -0,
      inf: Number.POSITIVE_INFINITY,
      negInf: Number.NEGATIVE_INFINITY,
      list: [null, true, false, 0, [1n]],
      nested: { deep: { id: "x" } },
    };
    const echoed = (await client().query(ref.echo, { value })) as typeof value;
    expect(echoed).toEqual({ ...value, bytes: expect.any(ArrayBuffer) as unknown });
    expect([...new Uint8Array(echoed.bytes)]).toEqual([0, 1, 254, 255]);
    expect(Object.is(echoed.negZero, -0)).toBe(true);
    expect(typeof echoed.int).toBe("bigint");
  });

  it("runs mutations and queries with setAuth tokens, under the table rules", async () => {
    const ada = client();
    ada.setAuth(await issuer.sign({ sub: "ada" }));
    const bob = client();
    bob.setAuth(await issuer.sign({ sub: "bob" }));
    expect(await ada.query(ref.whoami, {})).toBe("ada");
    expect(typeof (await ada.mutation(ref.add, { body: "ada's" }))).toBe("string");
    await bob.mutation(ref.add, { body: "bob's" });
    expect(await ada.query(ref.list, {})).toEqual(["ada's"]);
    expect(await bob.query(ref.list, {})).toEqual(["bob's"]);
    // anonymous: the insert rule refuses (a failed function), the read rule hides every note
    await expect(client().mutation(ref.add, { body: "anon" })).rejects.toThrow(/FORBIDDEN|not allowed|denied/i);
    expect(await client().query(ref.list, {})).toEqual([]);
    // a forged token is refused before anything runs
    const forged = client();
    forged.setAuth(`${(await issuer.sign({ sub: "eve" })).slice(0, -4)}AAAA`);
    await expect(forged.mutation(ref.add, { body: "eve" })).rejects.toThrow(/UNAUTHENTICATED/);
    expect(await noteCount()).toBe(2);
  });

  it("delivers ConvoyError data as ConvexError data, with nothing written", async () => {
    const ada = client();
    ada.setAuth(await issuer.sign({ sub: "ada" }));
    const error = await ada
      .mutation(ref.refuse, {})
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ reason: string; left: bigint; code: number }>).data).toEqual({ reason: "sold out", left: 0n, code: 7 });
    expect(await noteCount()).toBe(0);
  });

  it("answers unknown functions, wrong kinds, actions and bad args with Convex's error shape (560)", async () => {
    await expect(client().query(makeFunctionReference<"query">("notes:nope"), {})).rejects.toThrow("Could not find public function for 'notes:nope'.");
    await expect(client().query(makeFunctionReference<"query">("notes:add"), { body: "x" })).rejects.toThrow("Trying to execute notes:add as Query, but it is defined as Mutation.");
    await expect(client().action(makeFunctionReference<"action">("notes:add"), { body: "x" })).rejects.toThrow("Trying to execute notes:add as Action, but it is defined as Mutation.");
    await expect(client().mutation(ref.add, { body: 5 as unknown as string })).rejects.toThrow(/ARGS_INVALID|body/);
    const missing = await post("/api/query", JSON.stringify({ path: "nowhere:x", format: "convex_encoded_json", args: [{}] }));
    expect(missing).toEqual({ status: 560, json: { status: "error", errorMessage: "Could not find public function for 'nowhere:x'.", logLines: [] } });
    expect(await noteCount()).toBe(0);
  });

  it("refuses malformed bodies with a structured error and leaves the database unchanged", async () => {
    const cases: [string, number, string][] = [
      ["not json", 400, "BAD_REQUEST"],
      ['["notes:add"]', 400, "BAD_REQUEST"],
      ['{"args":{"body":"x"}}', 400, "BAD_REQUEST"],
      ['{"path":"notes:add","args":[{"body":"x"},{}]}', 400, "BAD_REQUEST"],
      ['{"path":"notes:add","format":"xml","args":{"body":"x"}}', 400, "BAD_REQUEST"],
      ['{"path":"notes:add","args":{"body":"x","$bad":1}}', 400, "ARGS_INVALID"],
      ['{"path":"notes:add","args":{"body":{"$integer":"!!"}}}', 400, "ARGS_INVALID"],
    ];
    for (const [body, status, code] of cases) {
      const answer = await post("/api/mutation", body);
      expect(answer, body).toMatchObject({ status, json: { error: { code } } });
    }
    expect((await post("/api/mutation", '{"path":"notes:add","args":{"body":"x"}}', { "Content-Type": "text/plain" })).status).toBe(415);
    expect((await fetch(`${server.url}/api/query`)).status).toBe(405);
    expect(await noteCount()).toBe(0);
  });

  it("serves /api/run/<path> in the plain json format, and the kind comes from the function", async () => {
    const ran = await post("/api/run/notes/echo", JSON.stringify({ args: { value: { $integer: "BQAAAAAAAAA=" } }, format: "json" }));
    expect(ran).toEqual({ status: 200, json: { status: "success", value: "5", logLines: [] } });
    const token = await issuer.sign({ sub: "ada" });
    const added = await post("/api/run/notes/add", JSON.stringify({ args: { body: "via run" } }), { Authorization: `Bearer ${token}` });
    expect(added).toMatchObject({ status: 200, json: { status: "success", value: expect.any(String) as unknown } });
    expect(await noteCount()).toBe(1);
  });
});

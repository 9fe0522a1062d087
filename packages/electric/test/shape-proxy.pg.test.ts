import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FetchError, Shape, ShapeStream } from "@electric-sql/client";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistrySync, createRuntime, defineRulesGeneric, defineSchema, defineTable, type DataModelFromSchemaDefinition, type DefineRules, type Runtime } from "@convoy/core/server";
import { v } from "@convoy/core/values";
import { createTestDatabase, ensureStorageFor, type TestDatabase } from "../../core/test/helpers/test-database.js";
import { convoyShape, docFromShapeRow } from "../src/index.js";
import { createShapeProxy, toNodeListener } from "../src/server/index.js";
import { startShapeFixture, type ShapeFixture } from "./electric-fixture.js";

const schema = defineSchema({
  notes: defineTable({ owner: v.string(), public: v.boolean(), body: v.string(), stars: v.optional(v.int64()), blob: v.optional(v.bytes()) }),
  members: defineTable({ team: v.string(), user: v.string() }).index("by_team_user", ["team", "user"]),
  docs: defineTable({ team: v.string(), body: v.string() }),
  secrets: defineTable({ x: v.number() }),
});
type DataModel = DataModelFromSchemaDefinition<typeof schema>;

const defineRules = defineRulesGeneric as unknown as DefineRules<DataModel>;
const rules = defineRules({
  defaultPolicy: "deny",
  // a filter rule: compiled to SQL, evaluated on each relayed row
  notes: { read: { filter: (q, me) => q.or(q.eq(q.field("public"), true), q.eq(q.field("owner"), me?.subject ?? null)) } },
  members: { read: () => true },
  // a predicate rule that reads another table through the rules' own db
  docs: {
    read: async ({ auth, db }, doc) => {
      const me = await auth.getUserIdentity();
      return me !== null && (await db.query("members").withIndex("by_team_user", (q) => q.eq("team", doc.team).eq("user", me.subject)).first()) !== null;
    },
  },
});

const SECRET = "electric-test-secret-0123456789abcdef-0123";
const token = (subject: string, secret = SECRET) =>
  new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setIssuer("test").setSubject(subject).setExpirationTime("1h").sign(new TextEncoder().encode(secret));

describe("@convoy/electric shape proxy (Electric's client, a protocol-faithful shape endpoint)", () => {
  let db: TestDatabase;
  let runtime: Runtime;
  let fixture: ShapeFixture;
  let proxy: Server;
  let proxyUrl = "";
  const streams: AbortController[] = [];
  const ids: Record<string, string> = {};

  const insert = (table: "notes" | "members" | "docs", doc: Record<string, unknown>) =>
    runtime.runHandler("mutation", (ctx) => ctx.db.insert(table, doc as never)).then(({ value }) => value as string);

  const open = async (subject: string, params: Record<string, unknown> = {}) => {
    const aborter = new AbortController();
    streams.push(aborter);
    const authorization = `Bearer ${await token(subject)}`;
    const stream = new ShapeStream({ url: proxyUrl, params: { table: "notes", ...params }, headers: { Authorization: authorization }, signal: aborter.signal });
    const received: string[] = [];
    stream.subscribe((messages) => {
      received.push(JSON.stringify(messages));
    });
    return Object.assign(convoyShape<DataModel, "notes">(new Shape(stream)), { received });
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    runtime = await createRuntime({ driver: db.driver, schema, registry: createRegistrySync({}), rules, ensureStorage: ensureStorageFor(db.driver) });
    fixture = await startShapeFixture(db.driver, { liveTimeoutMs: 2_000 });
    for (const table of ["notes", "docs"]) await fixture.track("public", table);
    ids.adaPrivate = await insert("notes", { owner: "ada", public: false, body: "ada's", stars: 5n, blob: new Uint8Array([1, 2, 255]).buffer });
    ids.gracePrivate = await insert("notes", { owner: "grace", public: false, body: "grace's" });
    ids.gracePublic = await insert("notes", { owner: "grace", public: true, body: "grace's public" });
    await insert("members", { team: "red", user: "ada" });
    ids.redDoc = await insert("docs", { team: "red", body: "red plan" });
    await insert("docs", { team: "blue", body: "blue plan" });
    const handler = createShapeProxy({ electricUrl: fixture.url, runtime, rules, auth: { providers: [{ type: "secret", issuer: "test", secret: SECRET, algorithm: "HS256" }] } });
    proxy = createServer(toNodeListener(handler));
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/api/shape`;
  });

  afterAll(async () => {
    for (const aborter of streams) aborter.abort();
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
    await fixture.close();
    await db.close();
  });

  it("gives each identity exactly the rows its rules allow, typed and decoded, and live changes as the rules see them", async () => {
    const [ada, grace] = [await open("ada"), await open("grace")];
    const adaDocs = await ada.docs();
    expect(adaDocs.map((d) => d.body).sort()).toEqual(["ada's", "grace's public"]);
    expect((await grace.docs()).map((d) => d.body).sort()).toEqual(["grace's", "grace's public"]);
    const mine = adaDocs.find((d) => d._id === ids.adaPrivate)!;
    expect(mine.stars).toBe(5n);
    expect([...new Uint8Array(mine.blob!)]).toEqual([1, 2, 255]);
    expect(typeof mine._creationTime).toBe("number");
    const shapeRequest = fixture.requests.find((url) => url.searchParams.get("offset") === "-1")!;
    expect(shapeRequest.searchParams.get("replica")).toBe("full");
    expect(shapeRequest.searchParams.get("table")).toBe('"public"."notes"');

    // later inserts: grace's private one first, so ada seeing her own proves grace's was relayed (and dropped) before
    ids.gracePrivate2 = await insert("notes", { owner: "grace", public: false, body: "grace's second" });
    ids.adaPrivate2 = await insert("notes", { owner: "ada", public: false, body: "ada's second" });
    await expect.poll(() => ada.current().map((d) => d.body).sort(), { timeout: 10_000 }).toEqual(["ada's", "ada's second", "grace's public"]);
    await expect.poll(() => grace.current().map((d) => d.body).sort(), { timeout: 10_000 }).toEqual(["grace's", "grace's public", "grace's second"]);

    // an update that makes a row readable arrives as an insert, one that hides it as a delete
    await runtime.runHandler("mutation", (ctx) => ctx.db.patch(ids.gracePrivate2! as never, { public: true }));
    await expect.poll(() => ada.current().map((d) => d.body).sort(), { timeout: 10_000 }).toEqual(["ada's", "ada's second", "grace's public", "grace's second"]);
    await runtime.runHandler("mutation", (ctx) => ctx.db.patch(ids.gracePublic! as never, { public: false, body: "grace's, now private" }));
    await expect.poll(() => ada.current().map((d) => d.body).sort(), { timeout: 10_000 }).toEqual(["ada's", "ada's second", "grace's second"]);
    // everything ada's stream ever received: the hidden row's new state never reached her
    expect(ada.received.join("")).not.toContain("now private");
    expect(ada.received.join("")).not.toContain("grace's\"");
    await expect.poll(() => grace.current().find((d) => d._id === ids.gracePublic)?.body, { timeout: 10_000 }).toBe("grace's, now private");
  });

  it("applies predicate rules (with their db lookups) and narrows by a client where, never widening it", async () => {
    const aborter = new AbortController();
    streams.push(aborter);
    const docs = new Shape(new ShapeStream({ url: proxyUrl, params: { table: "docs" }, headers: { Authorization: `Bearer ${await token("ada")}` }, signal: aborter.signal }));
    expect((await docs.rows).map((row) => docFromShapeRow<DataModel, "docs">(row).body)).toEqual(["red plan"]);

    // asking for grace's private note by id does not reveal it
    const narrowed = await open("ada", { where: "_id IN ($1, $2)", params: [ids.adaPrivate!, ids.gracePrivate!] });
    expect((await narrowed.docs()).map((d) => d._id)).toEqual([ids.adaPrivate]);
    const sent = fixture.requests.filter((url) => url.searchParams.has("where"));
    expect(sent.map((url) => url.searchParams.get("where"))).toContain('"_id" IN ($1, $2)');
    expect(new Set(sent.map((url) => url.searchParams.get("where")))).toEqual(new Set(['"_id" IN ($1, $2)']));
  });

  it("refuses a where it cannot bound (400, Electric never asked), a forged token (401), and tables it does not serve", async () => {
    for (const aborter of streams) aborter.abort(); // the earlier streams' long polls stop reaching the fixture
    const before = fixture.requests.length;
    const errors: unknown[] = [];
    const aborter = new AbortController();
    streams.push(aborter);
    const stream = new ShapeStream({
      url: proxyUrl,
      params: { table: "notes", where: "owner = 'grace' OR true" },
      headers: { Authorization: `Bearer ${await token("ada")}` },
      signal: aborter.signal,
      onError: (error) => {
        errors.push(error);
      },
    });
    const received: unknown[] = [];
    stream.subscribe((messages) => {
      received.push(...messages);
    });
    await expect.poll(() => errors.length, { timeout: 10_000 }).toBe(1);
    expect(errors[0]).toBeInstanceOf(FetchError);
    expect((errors[0] as FetchError).status).toBe(400);
    expect((errors[0] as FetchError).json).toMatchObject({ error: { code: "BAD_REQUEST" } });
    expect(received).toEqual([]);

    const get = async (query: string, authorization?: string) => {
      const response = await fetch(`${proxyUrl}?${query}`, { headers: authorization === undefined ? {} : { authorization } });
      return { status: response.status, body: (await response.json()) as { error: { code: string } }, challenge: response.headers.get("www-authenticate") };
    };
    const forged = await get("table=notes&offset=-1", `Bearer ${await token("grace", "another-secret-0123456789abcdef-0123456")}`);
    expect(forged).toMatchObject({ status: 401, body: { error: { code: "UNAUTHENTICATED" } }, challenge: 'Bearer error="invalid_token"' });
    expect((await get("table=notes&offset=-1", "Basic abc")).status).toBe(401);
    const adaToken = `Bearer ${await token("ada")}`;
    expect(await get("table=secrets&offset=-1", adaToken)).toMatchObject({ status: 403, body: { error: { code: "FORBIDDEN" } } });
    expect(await get("table=nope&offset=-1", adaToken)).toMatchObject({ status: 404, body: { error: { code: "NOT_FOUND" } } });
    expect(await get("table=notes&offset=-1&columns=_id", adaToken)).toMatchObject({ status: 400, body: { error: { code: "BAD_REQUEST" } } });
    expect(await get(`table=notes&offset=-1&where=${encodeURIComponent("_id = $1")}&params[1]=x&params[2]=y`, adaToken)).toMatchObject({ status: 400 });
    // none of these reached Electric (the earlier streams' aborted long polls may still land: offset ≠ -1, their own where)
    const reached = fixture.requests.slice(before).filter((url) => url.searchParams.get("offset") === "-1" || ![null, '"_id" IN ($1, $2)'].includes(url.searchParams.get("where")));
    expect(reached.map((url) => url.search)).toEqual([]);
  });
});

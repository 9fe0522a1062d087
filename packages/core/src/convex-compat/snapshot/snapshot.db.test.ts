import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureStorageFor, useTestDatabase } from "../../../test/helpers/test-database.js";
import { writeZip } from "../../../test/helpers/zip-file.js";
import { ensureSchema } from "../../schema-sync/ensure-schema.js";
import { defineSchema, defineTable, schemalessSchema } from "../../schema/index.js";
import { isIdOfTable } from "../../storage/ids.js";
import { v } from "../../values/v.js";
import { openSnapshot } from "./snapshot-zip.js";
import { exportSnapshot, importSnapshot, parseExportJson, SnapshotImportError } from "./index.js";

const schema = defineSchema({
  users: defineTable({ name: v.string() }),
  messages: defineTable({ author: v.id("users"), body: v.any(), replyTo: v.optional(v.id("messages")) }),
});

// Ids as Convex writes them (32 characters of its own alphabet): not Convoy ids.
const ADA = "kg2b4cb5ay0qkqfm9ph6cvk6f57a0q8x";
const BOB = "kg2dvw7cy4p8qs2ma6gw6xcq0h7a1bmz";
const M1 = "jd7f3z0n4e1c9gx4k7ye1b5h3d7a0w2q";
const M2 = "jd7a5w0z1h2f8tq3n0rc9e4k6b7a1v5s";

/** Every value type of Convex's export JSON, as `npx convex export` writes it. */
const EVERY_VALUE =
  '{"str":"héllo 🚀 \\u2028 \\"q\\" \\\\","float":1.5,"negZero":-0.0,"nan":{"$float":"AAAAAAAA+H8="},"inf":{"$float":"AAAAAAAA8H8="},"negInf":{"$float":"AAAAAAAA8P8="},' +
  '"intMax":9223372036854775807,"intMin":-9223372036854775808,"zero":0,"bytes":{"$bytes":"AAECA/8="},"nil":null,"yes":true,"no":false,' +
  `"list":[1,2.0,"x",[{"deep":{"deeper":"${ADA}"}}]],"nested":{"a":{"b":{"c":"d"}},"ref":"${BOB}"}}`;

const SNAPSHOT: Record<string, string> = {
  "README.md": "# Welcome to your Convex snapshot export!\n",
  "_tables/documents.jsonl": '{"name":"users","id":10001}\n{"name":"messages","id":10002}\n',
  "users/generated_schema.jsonl": '"uniform"\n',
  "users/documents.jsonl": `{"_creationTime":1700000000000.25,"_id":"${ADA}","name":"Ada"}\n{"_creationTime":1700000000001.5,"_id":"${BOB}","name":"Bob"}\n`,
  "messages/documents.jsonl": `{"_creationTime":1700000000002.0,"_id":"${M1}","author":"${ADA}","body":${EVERY_VALUE}}\n\n{"_creationTime":1700000000003.0,"_id":"${M2}","author":"${BOB}","body":"${M1} as text","replyTo":"${M1}"}\n`,
  "_storage/documents.jsonl": "",
};

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "convoy-snapshot-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

let zips = 0;
async function zipOf(files: Record<string, string>): Promise<string> {
  const path = join(dir, `snapshot-${String(++zips)}.zip`);
  await writeZip(path, files);
  return path;
}

/** Every line of every table of a ZIP, parsed. */
async function readZip(path: string): Promise<Record<string, Record<string, unknown>[]>> {
  const reader = await openSnapshot(path);
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const entry of reader.tables) {
    out[entry.table] = [];
    for await (const { text } of reader.lines(entry)) out[entry.table]!.push(parseExportJson(text) as Record<string, unknown>);
  }
  reader.close();
  return out;
}

async function rawLines(path: string, table: string): Promise<string[]> {
  const reader = await openSnapshot(path);
  const lines: string[] = [];
  for await (const { text } of reader.lines(reader.tables.find((entry) => entry.table === table)!)) lines.push(text);
  reader.close();
  return lines;
}

async function count(db: ReturnType<typeof useTestDatabase>, table: string): Promise<number> {
  const { rows } = await db().driver.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table}"`);
  return rows[0]!.n;
}

describe("convoy import / export of Convex snapshots", () => {
  const db = useTestDatabase();
  beforeAll(async () => {
    await ensureSchema({ driver: db().driver, ...ensureStorageFor(db().driver) }, schema);
  });

  it("imports a Convex snapshot (ids rewritten, references fixed) and exports it back with every value type intact", async () => {
    const progress: string[] = [];
    const result = await importSnapshot({ driver: db().driver, schema, path: await zipOf(SNAPSHOT), onProgress: (line) => progress.push(line), batchSize: 1 });
    expect(result.tables).toEqual([{ table: "users", documents: 2 }, { table: "messages", documents: 2 }]);
    expect(result.rewrittenIds).toBe(4);
    expect(result.skipped).toEqual(["_storage/documents.jsonl"]);
    expect(progress).toContain("imported messages: 2 documents");

    const exported = join(dir, "export-1.zip");
    const { tables } = await exportSnapshot({ driver: db().driver, schema, path: exported, pageSize: 1 });
    expect(tables).toEqual([{ table: "messages", documents: 2 }, { table: "users", documents: 2 }]);
    const back = await readZip(exported);
    const [ada, bob] = back.users!;
    expect([ada!.name, bob!.name]).toEqual(["Ada", "Bob"]);
    expect(isIdOfTable(ada!._id as string, "users") && isIdOfTable(bob!._id as string, "users")).toBe(true);
    expect([ada!._creationTime, bob!._creationTime]).toEqual([1700000000000.25, 1700000000001.5]);
    const [m1, m2] = back.messages!;
    expect(isIdOfTable(m1!._id as string, "messages")).toBe(true);
    expect(m1!.author).toBe(ada!._id);
    expect(m2).toMatchObject({ author: bob!._id, replyTo: m1!._id, body: `${M1} as text` });

    // every value as the original line holds it, with the ids inside rewritten too
    const original = parseExportJson(EVERY_VALUE.replace(ADA, ada!._id as string).replace(BOB, bob!._id as string)) as Record<string, unknown>;
    const body = m1!.body as Record<string, unknown>;
    expect(body).toEqual(original);
    expect(Object.is(body.negZero, -0)).toBe(true);
    expect(body.intMax).toBe(9223372036854775807n);
    expect(body.intMin).toBe(-9223372036854775808n);
    expect(new Uint8Array(body.bytes as ArrayBuffer)).toEqual(new Uint8Array([0, 1, 2, 3, 255]));
    const line = (await rawLines(exported, "messages"))[0]!;
    for (const text of ['"negZero":-0.0', '"float":1.5', '"intMax":9223372036854775807', '"zero":0,', '{"$float":"AAAAAAAA+H8="}', '{"$float":"AAAAAAAA8P8="}', '{"$bytes":"AAECA/8="}', "héllo 🚀"]) {
      expect(line).toContain(text);
    }

    // Convoy's own export imports with its ids kept, and exports to the same documents
    await importSnapshot({ driver: db().driver, schema, path: exported, replace: true });
    const again = join(dir, "export-2.zip");
    await exportSnapshot({ driver: db().driver, schema, path: again });
    expect(await rawLines(again, "messages")).toEqual(await rawLines(exported, "messages"));
    expect(await rawLines(again, "users")).toEqual(await rawLines(exported, "users"));
  });

  it("refuses a table that holds documents unless --replace, which replaces them", async () => {
    const path = await zipOf({ "users/documents.jsonl": '{"_id":"u1","_creationTime":1.0,"name":"Cy"}\n' });
    const refused = await importSnapshot({ driver: db().driver, schema, path }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SnapshotImportError);
    expect(refused).toMatchObject({ code: "CONFLICT", data: { table: "users" } });
    expect(await count(db, "users")).toBe(2);
    await importSnapshot({ driver: db().driver, schema, path, replace: true });
    const { rows } = await db().driver.query<{ name: string }>(`SELECT data->>'name' AS name FROM users`);
    expect(rows).toEqual([{ name: "Cy" }]);
    expect(await count(db, "messages")).toBe(2); // tables not in the snapshot are left alone
  });

  it("a malformed line, a document the schema refuses or a broken ZIP: a named error, nothing written", async () => {
    await db().driver.query("TRUNCATE users, messages");
    const attempt = async (files: Record<string, string>) =>
      importSnapshot({ driver: db().driver, schema, path: await zipOf(files) }).then(
        () => {
          throw new Error("the import was expected to fail");
        },
        (error: unknown) => error as SnapshotImportError,
      );
    const users = '{"_id":"a","_creationTime":1.0,"name":"A"}\n{"_id":"b","_creationTime":2.0,"name":"B"}\n';
    const malformed = await attempt({ "users/documents.jsonl": users, "messages/documents.jsonl": `{"_id":"m","_creationTime":3.0,"author":"a","body":1}\n{"_id":"n", oops}\n` });
    expect(malformed).toMatchObject({ code: "BAD_REQUEST", data: { table: "messages", line: 2 } });
    expect(malformed.message).toMatch(/table "messages", line 2: not JSON/);
    const invalid = await attempt({ "users/documents.jsonl": users, "messages/documents.jsonl": `{"_id":"m","_creationTime":3.0,"author":"nobody","body":1}\n` });
    expect(invalid).toMatchObject({ code: "SCHEMA_VALIDATION", data: { table: "messages", line: 1 } });
    expect(invalid.message).toMatch(/author/);
    const nul = await attempt({ "users/documents.jsonl": '{"_id":"z","_creationTime":1.0,"name":"a\\u0000b"}\n' });
    expect(nul).toMatchObject({ code: "SCHEMA_VALIDATION", data: { table: "users", line: 1 } });
    expect(nul.message).toMatch(/U\+0000/);
    expect(await attempt({ "ghosts/documents.jsonl": "{}\n" })).toMatchObject({ code: "SCHEMA_VALIDATION", data: { table: "ghosts" } });
    expect(await attempt({ "README.md": "no tables" })).toMatchObject({ code: "BAD_REQUEST" });
    const notZip = join(dir, "not-a-zip.zip");
    await writeFile(notZip, "PK but not really");
    expect(await importSnapshot({ driver: db().driver, schema, path: notZip }).catch((error: unknown) => error)).toMatchObject({ code: "BAD_REQUEST", message: /not a readable ZIP/ });
    // a ZIP cut short
    const whole = await zipOf({ "users/documents.jsonl": users.repeat(50) });
    const bytes = await readFile(whole);
    const cut = join(dir, "cut.zip");
    await writeFile(cut, bytes.subarray(0, bytes.length - 30));
    expect(await importSnapshot({ driver: db().driver, schema, path: cut }).catch((error: unknown) => error)).toMatchObject({ code: "BAD_REQUEST" });
    expect(await count(db, "users")).toBe(0);
    expect(await count(db, "messages")).toBe(0);
  });

  it("into an app without a schema: creates the snapshot's tables, and creates nothing when it fails", async () => {
    const schemaless = schemalessSchema();
    await ensureSchema({ driver: db().driver, ...ensureStorageFor(db().driver) }, schemaless);
    const bad = await zipOf({ "notes/documents.jsonl": '{"_id":"x","_creationTime":1.0,"t":1}\n', "tags/documents.jsonl": "[1]\n" });
    expect(await importSnapshot({ driver: db().driver, schema: schemaless, path: bad }).catch((error: unknown) => error)).toMatchObject({ code: "BAD_REQUEST", data: { table: "tags", line: 1 } });
    const { rows } = await db().driver.query<{ present: boolean }>("SELECT to_regclass('public.notes') IS NOT NULL AS present");
    expect(rows[0]!.present).toBe(false);
    const good = await zipOf({ "notes/documents.jsonl": '{"_id":"x","_creationTime":1.0,"t":1,"tag":"y"}\n', "tags/documents.jsonl": '{"_id":"y","_creationTime":2.0,"name":"red"}\n' });
    await importSnapshot({ driver: db().driver, schema: schemaless, path: good });
    const out = join(dir, "schemaless.zip");
    await exportSnapshot({ driver: db().driver, schema: schemaless, path: out });
    const back = await readZip(out);
    expect(back.notes).toEqual([{ _id: expect.any(String) as string, _creationTime: 1, t: 1n, tag: back.tags![0]!._id }]);
  });
});

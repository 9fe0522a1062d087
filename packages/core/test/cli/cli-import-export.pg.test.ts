import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSnapshot } from "../../src/convex-compat/snapshot/snapshot-zip.js";
import { useTestDatabase } from "../helpers/test-database.js";
import { writeZip } from "../helpers/zip-file.js";
import { runCli, startCli, type CliProcess } from "./cli-process.js";

/* A Convex app without schema.ts, its data moved in and out with `convoy import` / `convoy export`, served by `convoy start`. */

const NOTES = `import { v } from "convex/values";
import { mutation, query } from "./_generated/server";

export const list = query({ args: {}, handler: (ctx) => ctx.db.query("notes").collect() });
export const tag = mutation({ args: { name: v.string() }, handler: (ctx, { name }) => ctx.db.insert("tags", { name }) });
export const tags = query({ args: {}, handler: (ctx) => ctx.db.query("tags").collect() });
`;

async function call(url: string, kind: "query" | "mutation", path: string, args: unknown): Promise<unknown> {
  const response = await fetch(`${url}/api/${kind}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ path, args, format: "json" }) });
  const body = (await response.json()) as { status: string; value: unknown };
  expect(body.status).toBe("success");
  return body.value;
}

describe("convoy import / export / start with a schemaless Convex app", () => {
  const db = useTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), "convoy-cli-snapshot-"));
  let server: CliProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("imports a Convex snapshot, refuses it twice, serves it and exports it", async () => {
    const env = { DATABASE_URL: db().databaseUrl! };
    mkdirSync(join(dir, "convex"));
    writeFileSync(join(dir, "convex", "notes.ts"), NOTES);
    expect(runCli(["codegen"], dir, env).status).toBe(0);
    const sync = runCli(["sync"], dir, env);
    expect(sync.status, sync.stderr).toBe(0);

    const snapshot = join(dir, "snapshot.zip");
    await writeZip(snapshot, {
      "_tables/documents.jsonl": '{"name":"notes","id":10001}\n',
      "notes/documents.jsonl": '{"_id":"jd7f3z0n4e1c9gx4k7ye1b5h3d7a0w2q","_creationTime":1700000000000.5,"text":"first","n":1}\n{"_id":"jd7a5w0z1h2f8tq3n0rc9e4k6b7a1v5s","_creationTime":1700000000001.5,"text":"second","prev":"jd7f3z0n4e1c9gx4k7ye1b5h3d7a0w2q"}\n',
    });
    const imported = runCli(["import", snapshot], dir, env);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toContain("imported notes: 2 documents");
    expect(imported.stdout).toContain("imported 2 documents into 1 table (notes)");
    const again = runCli(["import", snapshot], dir, env);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/CONFLICT: import refused, nothing was written: table "notes": the table already holds documents \(use --replace/);

    server = startCli(["start", "--port", "0"], dir, env);
    const [, url] = await server.waitFor(/listening on (http:\/\/localhost:\d+)/, 120_000);
    const notes = (await call(url!, "query", "notes:list", {})) as { _id: string; text: string; prev?: string; n?: string }[];
    expect(notes.map((note) => note.text)).toEqual(["first", "second"]);
    expect(notes[1]!.prev).toBe(notes[0]!._id);
    expect(notes[0]!.n).toBe("1"); // an int64, in Convex's lossy "json" format
    expect(await call(url!, "query", "notes:tags", {})).toEqual([]);
    await call(url!, "mutation", "notes:tag", { name: "red" });
    expect(((await call(url!, "query", "notes:tags", {})) as { name: string }[]).map((tag) => tag.name)).toEqual(["red"]);
    expect(await server.stop()).toBe(0);
    server = undefined;

    const out = join(dir, "out.zip");
    const exported = runCli(["export", "--path", out], dir, env);
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stdout).toContain("exported 3 documents of 2 tables");
    const reader = await openSnapshot(out);
    expect(reader.tables.map((entry) => entry.table)).toEqual(["notes", "tags"]);
    const lines: string[] = [];
    for await (const { text } of reader.lines(reader.tables[0]!)) lines.push(text);
    reader.close();
    expect(lines[0]).toContain('"n":1');
    expect(lines[1]).toContain(`"prev":"${notes[0]!._id}"`);
  });
});

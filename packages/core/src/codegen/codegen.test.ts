/*
 * Codegen is deterministic and reads only files: the same functions dir gives byte-identical
 * `_generated/` files, whatever order the files were created in, wherever the dir is, and
 * without touching a database (nothing in codegen's import graph can reach one).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterEach, describe, expect, it } from "vitest";
import { generateFiles } from "./generate-files.js";
import { GENERATED_DIR, runCodegen } from "./run-codegen.js";

const fixture = fileURLToPath(new URL("../../test/client/fixture/convoy/", import.meta.url));
const srcDir = fileURLToPath(new URL("../", import.meta.url));
const temps: string[] = [];

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "convoy-codegen-"));
  temps.push(dir);
  return dir;
}

/** The source files of the fixture app (not `_generated/`), relative paths to contents. */
function fixtureSources(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name === GENERATED_DIR) continue;
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(fixture, path), readFileSync(path, "utf8"));
    }
  };
  walk(fixture);
  return files;
}

/** Write `files` into a new dir in the given order of paths. */
function writeApp(files: Map<string, string>, order: string[]): string {
  const dir = tempDir();
  for (const path of order) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), files.get(path)!);
  }
  return dir;
}

function readGenerated(functionsDir: string): Record<string, Buffer> {
  const out = join(functionsDir, GENERATED_DIR);
  return Object.fromEntries(readdirSync(out).sort().map((name) => [name, readFileSync(join(out, name))]));
}

describe("codegen determinism", () => {
  it("writes byte-identical files on a second run (and rewrites nothing)", async () => {
    const dir = tempDir();
    cpSync(fixture, dir, { recursive: true, filter: (path) => !path.includes(GENERATED_DIR) });
    expect(await runCodegen(dir)).toEqual(["api.d.ts", "api.js", "dataModel.d.ts", "server.d.ts", "server.js", "functions.ts"]);
    const first = readGenerated(dir);
    rmSync(join(dir, GENERATED_DIR), { recursive: true });
    await runCodegen(dir);
    expect(readGenerated(dir)).toEqual(first);
    expect(await runCodegen(dir)).toEqual([]);
  });

  it("does not depend on file creation order or on where the app is", async () => {
    const sources = fixtureSources();
    const paths = [...sources.keys()];
    const forward = writeApp(sources, paths);
    const backward = writeApp(sources, [...paths].reverse());
    await runCodegen(forward);
    await runCodegen(backward);
    expect(readGenerated(backward)).toEqual(readGenerated(forward));
  });

  it("matches the committed _generated/ of the fixture app (which is therefore up to date)", async () => {
    const dir = writeApp(fixtureSources(), [...fixtureSources().keys()]);
    await runCodegen(dir);
    expect(readGenerated(dir)).toEqual(readGenerated(fixture));
  });

  it("gives byte-identical files with or without promoted columns (.columns()) in the schema", async () => {
    const sources = fixtureSources();
    const schema = sources.get("schema.ts")!;
    const promoted = schema.replace('.index("by_title", ["title"])', '.index("by_title", ["title"]).columns(["title", "stars"])');
    expect(promoted).not.toBe(schema);
    const dir = writeApp(new Map([...sources, ["schema.ts", promoted]]), [...sources.keys()]);
    await runCodegen(dir);
    expect(readGenerated(dir)).toEqual(readGenerated(fixture));
  });

  it("is a pure function of the module list", () => {
    const input = { modules: [{ modulePath: "admin/users", file: "admin/users.ts" }, { modulePath: "notes", file: "notes.ts" }], schemaFile: "schema.ts" };
    expect(generateFiles(input)).toEqual(generateFiles(structuredClone(input)));
    expect(generateFiles(input)["api.d.ts"]).toContain('"admin/users": typeof admin_users_0;');
    const noSchema = generateFiles({ modules: [], schemaFile: null });
    expect(noSchema["dataModel.d.ts"]).toContain("export type DataModel = GenericDataModel;");
    expect(noSchema["functions.ts"]).toContain("export const appSchema = undefined;");
  });

  it("has no path to a database: nothing codegen imports reaches a driver, the runtime or pg", () => {
    const seen = new Set<string>();
    const external = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, "utf8");
      for (const { fileName: specifier } of ts.preProcessFile(source, true, false).importedFiles) {
        if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
        else external.add(specifier);
      }
    };
    visit(join(srcDir, "codegen/index.ts"));
    const reached = [...seen].map((file) => relative(srcDir, file));
    expect(reached.filter((file) => /^(driver|db|runtime|storage|http)\//.test(file))).toEqual([]);
    expect([...external].sort()).toEqual(["node:fs", "node:fs/promises", "node:path"]);
  });
});

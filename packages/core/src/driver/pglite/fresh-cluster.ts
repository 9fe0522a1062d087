import { createHash } from "node:crypto";
import { readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";

/*
 * An in-memory PGlite starts by running initdb, which costs several seconds of CPU; loading a
 * dump of a freshly initialised cluster skips it (about 3× faster to start). `convoyTest`
 * starts one database per harness, so a test suite pays this once per machine: the first
 * in-memory start on a machine runs initdb and leaves the dump in the OS temp directory, keyed
 * by the installed PGlite build; later starts load it. Any problem with the file falls back to
 * initdb. Databases on disk are never started from it.
 */

let templatePath: Promise<string | undefined> | undefined;

/** Where the dump of a fresh cluster of the installed PGlite lives (undefined: PGlite not resolvable as a file). */
function pathOfTemplate(): Promise<string | undefined> {
  templatePath ??= (async () => {
    try {
      const entry = fileURLToPath(import.meta.resolve("@electric-sql/pglite"));
      const { size, mtimeMs } = await stat(entry);
      const key = createHash("sha256").update(`${entry}\0${String(size)}\0${String(mtimeMs)}`).digest("hex").slice(0, 16);
      return join(tmpdir(), `convoy-pglite-fresh-${key}.tar`);
    } catch {
      return undefined;
    }
  })();
  return templatePath;
}

/** A new in-memory PGlite: from the machine's dump of a fresh cluster when there is one. */
export async function createInMemoryPglite(options: PGliteOptions): Promise<PGlite> {
  const path = await pathOfTemplate();
  if (path !== undefined) {
    const dump = await readFile(path).catch(() => undefined);
    if (dump !== undefined) {
      try {
        return await PGlite.create({ ...options, loadDataDir: new Blob([dump]) });
      } catch {
        await rm(path, { force: true });
      }
    }
  }
  const db = await PGlite.create(options);
  if (path !== undefined) await saveTemplate(db, path);
  return db;
}

async function saveTemplate(db: PGlite, path: string): Promise<void> {
  const partial = `${path}.${String(process.pid)}.partial`;
  try {
    const dump = await db.dumpDataDir("none");
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, path); // atomic: a concurrent reader sees the whole file or none
  } catch {
    await rm(partial, { force: true }).catch(() => undefined);
  }
}

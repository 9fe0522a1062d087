import { readFileSync, rmSync, writeFileSync } from "node:fs";

/**
 * One process at a time may open the embedded database (PGlite's data directory is not safe to
 * share). The lock is a file holding the owner's pid; a lock whose process is gone is stale and
 * taken over. Returns a function that releases the lock.
 */
export function lockEmbeddedDatabase(lockFile: string, dataDir: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(readFileSync(lockFile, "utf8"));
      if (Number.isInteger(owner) && owner > 0 && isRunning(owner)) {
        throw new Error(
          `the embedded database in ${dataDir} is in use by another Convoy process (pid ${owner}, e.g. convoy dev); ` +
            "stop it first, or use a Postgres server with --db / DATABASE_URL",
        );
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`could not lock the embedded database in ${dataDir}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

import { readFileSync, rmSync, writeFileSync } from "node:fs";

/** How another process reaches the `convoy dev` that holds the embedded database (see `admin-server.ts`). */
export interface DevServerAddress {
  /** Loopback port of the dev server's admin endpoint. */
  adminPort: number;
  /** Per-process secret the admin endpoint requires. */
  secret: string;
}

interface LockContent {
  pid: number;
  devServer?: DevServerAddress;
}

/**
 * One process at a time may open the embedded database (PGlite's data directory is not safe to
 * share). The lock is a file holding the owner's pid (and, for `convoy dev`, where its admin
 * endpoint listens); a lock whose process is gone is stale and taken over. Returns a function
 * that releases the lock.
 */
export function lockEmbeddedDatabase(lockFile: string, dataDir: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, JSON.stringify({ pid: process.pid } satisfies LockContent), { flag: "wx", mode: 0o600 });
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = readLock(lockFile)?.pid;
      if (owner !== undefined && isRunning(owner)) {
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

/** Records in this process's lock where its admin endpoint listens, so `convoy run` can use it. */
export function advertiseDevServer(lockFile: string, devServer: DevServerAddress): void {
  if (readLock(lockFile)?.pid !== process.pid) throw new Error(`${lockFile} is not held by this process`);
  writeFileSync(lockFile, JSON.stringify({ pid: process.pid, devServer } satisfies LockContent), { mode: 0o600 });
}

/** The running `convoy dev` holding the embedded database, if any process that advertised one is alive. */
export function runningDevServer(lockFile: string): DevServerAddress | undefined {
  const lock = readLock(lockFile);
  return lock?.devServer !== undefined && lock.pid !== process.pid && isRunning(lock.pid) ? lock.devServer : undefined;
}

function readLock(lockFile: string): LockContent | undefined {
  let text: string;
  try {
    text = readFileSync(lockFile, "utf8");
  } catch {
    return undefined;
  }
  // older versions wrote the bare pid
  const bare = Number(text);
  if (Number.isInteger(bare) && bare > 0) return { pid: bare };
  try {
    const parsed = JSON.parse(text) as Partial<LockContent>;
    return typeof parsed.pid === "number" && Number.isInteger(parsed.pid) && parsed.pid > 0 ? (parsed as LockContent) : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

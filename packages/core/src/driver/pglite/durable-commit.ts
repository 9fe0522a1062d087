import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { FrameworkError } from "../../errors/framework-error.js";

/** Where the WAL ends after a commit: its byte position and the segment file holding it. */
export interface WalPosition {
  lsn: bigint;
  /** The segment's file name in `pg_wal/`, e.g. `000000010000000000000001`. */
  file: string;
}

/** The statement that reads the {@link WalPosition} (run on the connection right after a commit). */
export const WAL_POSITION_SQL = "SELECT pg_walfile_name(pg_current_wal_lsn()) AS file, (pg_current_wal_lsn() - '0/0'::pg_lsn)::text AS lsn";

/** A row of {@link WAL_POSITION_SQL} as a {@link WalPosition}. */
export function walPositionOf(row: Record<string, unknown> | undefined): WalPosition {
  const file = row?.file;
  const lsn = row?.lsn;
  if (typeof file !== "string" || typeof lsn !== "string") throw new FrameworkError("INTERNAL", "could not read the WAL position");
  return { file, lsn: BigInt(lsn.split(".")[0] ?? "0") };
}

/** Makes commits of an embedded (PGlite) data directory reach the disk. */
export interface DurableCommit {
  /**
   * Resolves once the WAL up to `position` is on disk. Concurrent calls share one sync
   * (group commit): a call arriving while a sync runs waits for the next one, which covers
   * every position asked for meanwhile.
   */
  sync(position: WalPosition): Promise<void>;
  /**
   * Sync every file and directory of the data directory (at startup, and after close's
   * shutdown checkpoint). With `position`, later syncs start from there.
   */
  syncAll(position?: WalPosition): Promise<void>;
}

async function syncPath(path: string, dataOnly: boolean): Promise<void> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    // Removed meanwhile (a recycled WAL segment, a dropped relation): nothing left to sync.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  try {
    await (dataOnly ? handle.datasync() : handle.sync());
  } finally {
    await handle.close();
  }
}

/** Files synced at once by {@link syncTree} (the syscalls run on libuv's thread pool). */
const TREE_SYNC_CONCURRENCY = 8;

/** Every file under `dir`, and its directories children first. */
async function listTree(dir: string, files: string[], dirs: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await listTree(path, files, dirs);
    else if (entry.isFile()) files.push(path);
  }
  dirs.push(dir);
}

/** fsync every file under `dir`, then the directories themselves (children before parents). */
async function syncTree(dir: string): Promise<void> {
  const files: string[] = [];
  const dirs: string[] = [];
  await listTree(dir, files, dirs);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) await syncPath(files[next++]!, false);
  };
  await Promise.all(Array.from({ length: TREE_SYNC_CONCURRENCY }, worker));
  for (const path of dirs) await syncPath(path, false);
}

/**
 * Commit durability for a PGlite data directory. PGlite writes its files through Node's `fs`
 * but never calls `fsync` (its file system layer has none, whatever the `fsync` setting), so
 * acknowledged commits would sit in the OS page cache. This syncs them:
 * - after a write commit, `fdatasync` of the WAL segment holding the commit record;
 * - when the WAL moved to a new segment since the last sync: every segment from the last
 *   synced one to the current one, the `pg_wal` directory, and, because PGlite checkpoints
 *   when the WAL passes segment boundaries, the whole data directory (the checkpoint's data
 *   pages and `pg_control`).
 *
 * @example
 * const durable = createDurableCommit("/app/.convoy/data");
 * await durable.sync(walPositionOf((await db.query(WAL_POSITION_SQL)).rows[0]));
 */
export function createDurableCommit(dataDir: string): DurableCommit {
  const walDir = join(dataDir, "pg_wal");
  let syncedLsn = -1n;
  let syncedFile: string | undefined;
  let wanted: WalPosition | undefined;
  let running: Promise<void> | undefined;

  async function round(): Promise<void> {
    const target = wanted;
    if (target === undefined) return;
    if (syncedFile === target.file) {
      await syncPath(join(walDir, target.file), true);
    } else {
      const from = syncedFile ?? target.file;
      const segments = (await readdir(walDir)).filter((name) => /^[0-9A-F]{24}$/.test(name) && name >= from && name <= target.file);
      for (const name of segments) await syncPath(join(walDir, name), true);
      await syncPath(walDir, false);
      await syncTree(dataDir);
    }
    if (target.lsn > syncedLsn) {
      syncedLsn = target.lsn;
      syncedFile = target.file;
    }
  }

  return {
    async sync(position) {
      if (wanted === undefined || position.lsn > wanted.lsn) wanted = position;
      while (syncedLsn < position.lsn) {
        running ??= round().finally(() => {
          running = undefined;
        });
        try {
          await running;
        } catch (error) {
          throw new FrameworkError("UNAVAILABLE", `the commit could not be synced to disk: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
      }
    },
    async syncAll(position) {
      await syncTree(dataDir);
      if (position !== undefined && position.lsn > syncedLsn) {
        syncedLsn = position.lsn;
        syncedFile = position.file;
      }
    },
  };
}

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const STRACE = "/usr/bin/strace";
const SCRIPT = fileURLToPath(new URL("./commit-loop.ts", import.meta.url));
const TSX = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist/loader.mjs")).href;
const COMMITS = 20;

interface Syncs {
  /** fdatasync calls on WAL segments (the per-commit syncs). */
  walDatasyncs: number;
  /** Every fsync and fdatasync call of the process. */
  total: number;
}

/** Runs the commit loop under strace (`-y`: file descriptors printed with their paths) and counts its sync calls. */
function traceCommitLoop(dataDir: string, durability: "fsync" | "relaxed", concurrency = 1): Syncs {
  const log = join(dataDir, "..", `strace-${durability}-${concurrency}.log`);
  const result = spawnSync(STRACE, ["-f", "-qq", "-y", "--seccomp-bpf", "-e", "trace=fsync,fdatasync", "-o", log, process.execPath, "--import", TSX, SCRIPT, dataDir, durability, String(COMMITS), String(concurrency)], {
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(result.stderr).not.toMatch(/Error/);
  expect(result.stdout).toContain(`committed ${COMMITS}`);
  const lines = readFileSync(log, "utf8").split("\n").filter((line) => /\b(fsync|fdatasync)\(/.test(line));
  return { walDatasyncs: lines.filter((line) => /fdatasync\(\d+<[^>]*\/pg_wal\/[0-9A-F]{24}>/.test(line)).length, total: lines.length };
}

/**
 * PGlite's file system layer never syncs, so the durable mode (what `convoy start` uses on the
 * embedded database) must: the system calls of a real process are counted with strace.
 */
describe("embedded durability (strace)", () => {
  const root = mkdtempSync(join(tmpdir(), "convoy-fsync-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('"fsync" syncs the WAL before acknowledging each commit', () => {
    const syncs = traceCommitLoop(join(root, "durable"), "fsync");
    expect(syncs.walDatasyncs).toBeGreaterThanOrEqual(COMMITS);
  });

  it('"relaxed" makes no sync calls at all', () => {
    const syncs = traceCommitLoop(join(root, "relaxed"), "relaxed");
    expect(syncs).toEqual({ walDatasyncs: 0, total: 0 });
  });
});

import { readFileSync } from "node:fs";
import type pg from "pg";

/** CPU time (µs) a process has used so far: utime + stime from `/proc/<pid>/stat`. */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // fields after the parenthesised command name; utime and stime are fields 14 and 15
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / 100; // USER_HZ is 100 on Linux
}

/** Committed and rolled-back transactions of the database so far (`pg_stat_database`). */
export async function transactionCounts(client: pg.Client | pg.Pool): Promise<{ commits: number; rollbacks: number }> {
  const { rows } = await client.query<{ c: string; r: string }>(
    "SELECT xact_commit AS c, xact_rollback AS r FROM pg_stat_database WHERE datname = current_database()",
  );
  return { commits: Number(rows[0]!.c), rollbacks: Number(rows[0]!.r) };
}

/**
 * Backends flush their statistics at most every second, and an idle one after up to 10 s
 * (PGSTAT_IDLE_INTERVAL): wait that long before reading the counters of a finished load.
 */
export const STATS_FLUSH_MS = 11_000;

/** Read and write system calls a process has made so far (`syscr`, `syscw` of `/proc/<pid>/io`). */
export function processSyscalls(pid: number): { reads: number; writes: number } {
  const io = readFileSync(`/proc/${pid}/io`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(io)![1]);
  return { reads: field("syscr"), writes: field("syscw") };
}

/**
 * CPU time (µs) the database's backends have used so far: the sum over the processes
 * `pg_stat_activity` lists for the current database (Postgres on this machine).
 */
export async function databaseCpuMicros(client: pg.Client): Promise<Map<number, number>> {
  const { rows } = await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database()");
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      cpu.set(pid, processCpuMicros(pid));
    } catch {
      // the backend ended in the meantime
    }
  }
  return cpu;
}

/** CPU used between two {@link databaseCpuMicros} readings, by the backends alive at the second. */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, micros] of after) total += micros - (before.get(pid) ?? 0);
  return total;
}

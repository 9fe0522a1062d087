import type { Driver, Queryable } from "../../src/driver/driver.js";

/**
 * Holds a connection of `driver` (a transaction that ran a statement) until `release()`, so
 * work sent meanwhile queues for a connection (with a pool of one). `pid` is its backend;
 * `release()` runs `work` in the transaction, commits and resolves.
 */
export async function holdConnection(driver: Driver, work: (tx: Queryable) => Promise<unknown> = () => Promise.resolve()): Promise<{ pid: number; release: () => Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let pid!: number;
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const done = driver.transaction({}, async (tx) => {
    pid = (await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
    entered();
    await released;
    await work(tx);
  });
  await inside;
  return {
    pid,
    release: () => {
      release();
      return done;
    },
  };
}

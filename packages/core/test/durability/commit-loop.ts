/* Runs N committed inserts on an embedded data directory: `commit-loop.ts <dataDir> <fsync|relaxed> <n> [concurrency]`. */
import { createPgliteDriver } from "../../src/driver/index.js";

const [dataDir = "", durability = "fsync", count = "10", concurrency = "1"] = process.argv.slice(2);
if (durability !== "fsync" && durability !== "relaxed") throw new Error(`unknown durability ${durability}`);
const driver = await createPgliteDriver({ dataDir, durability });
await driver.query("CREATE TABLE IF NOT EXISTS commits (n integer PRIMARY KEY)");
let next = 0;
const total = Number(count);
const worker = async (): Promise<void> => {
  while (next < total) {
    const n = next++;
    await driver.transaction({}, (tx) => tx.query("INSERT INTO commits VALUES ($1)", [n]));
  }
};
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
const { rows } = await driver.query<{ n: string }>("SELECT count(*) AS n FROM commits");
await driver.close();
console.log(`committed ${rows[0]?.n ?? "?"}`);

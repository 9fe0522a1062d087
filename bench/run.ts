/**
 * `npm run bench`: every benchmark against a raw `node:http` + `pg` (or raw `pg`) baseline doing
 * the same work in the same run; prints throughput, latency and ratios. Select with
 * `npm run bench -- <name-substring>`.
 */
import { readdirSync } from "node:fs";

const filter = process.argv[2];
const files = readdirSync(import.meta.dirname)
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => filter === undefined || file.includes(filter))
  .sort();
for (const file of files) {
  const module = (await import(`./${file}`)) as { run(): Promise<void> };
  console.log(`\n=== ${file}`);
  await module.run();
}

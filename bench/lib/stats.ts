/** Latency percentiles (ms) of a sample. */
export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const index = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[index]!;
}

export interface RunResult {
  name: string;
  ops: number;
  seconds: number;
  opsPerSecond: number;
  p50: number;
  p99: number;
}

/**
 * Runs `total` operations with `concurrency` workers and measures throughput and latency.
 * `op(i)` performs operation number i.
 */
export async function measure(name: string, total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<RunResult> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await op(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { name, ops: total, seconds, opsPerSecond: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Prints a Convoy-vs-baseline pair with the ratio of throughputs. */
export function report(title: string, convoy: RunResult, baseline: RunResult, ratioLabel = "convoy/raw"): void {
  const row = (r: RunResult) =>
    `  ${r.name.padEnd(28)} ${r.opsPerSecond.toFixed(0).padStart(8)} ops/s   p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms`;
  console.log(`\n${title}`);
  console.log(row(baseline));
  console.log(row(convoy));
  console.log(`  ratio ${ratioLabel}: ${(convoy.opsPerSecond / baseline.opsPerSecond).toFixed(2)}x throughput, ${(convoy.p99 / baseline.p99).toFixed(2)}x p99`);
}

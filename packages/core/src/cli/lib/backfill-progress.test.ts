import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { progressLine, progressReporter } from "./backfill-progress.js";

/** A stream that says it is a terminal and keeps what is written to it. */
function fakeTty(): { stream: NodeJS.WriteStream; output: () => string } {
  let out = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out += chunk.toString();
      callback();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { stream, output: () => out };
}

describe("backfill progress", () => {
  it("off a TTY: a plain line with rows, percent, rate and ETA", () => {
    expect(progressLine("backfill t.f", { rowsDone: 25_000, total: 100_000, rowsThisRun: 20_000, elapsedMs: 400, changed: 5000 })).toBe(
      "backfill t.f: 25000/100000 rows (25%), 50000 rows/s, ETA 2s",
    );
    expect(progressLine("backfill t.f", { rowsDone: 0, total: 0, rowsThisRun: 0, elapsedMs: 0, changed: 0 })).toBe("backfill t.f: 0/0 rows (100%), 0 rows/s, ETA ?");
  });

  it("on a TTY: a cli-progress bar with the rate and ETA", () => {
    const tty = fakeTty();
    const reporter = progressReporter("backfill t.f", tty.stream);
    reporter.update({ rowsDone: 5000, total: 20_000, rowsThisRun: 5000, elapsedMs: 100, changed: 5000 });
    reporter.update({ rowsDone: 20_000, total: 20_000, rowsThisRun: 20_000, elapsedMs: 400, changed: 5000 });
    reporter.stop();
    expect(tty.output()).toMatch(/backfill t\.f \[[=-]+\] 100% \| 20000\/20000 rows \| 50000 rows\/s \| ETA 0s/);
  });
});

import { SingleBar } from "cli-progress";
import type { BackfillProgress } from "../../promotion/index.js";
import { logger } from "./logger.js";

/** Reports backfill progress: a bar with rate and ETA on a TTY, else a plain line at most every `intervalMs`. */
export interface ProgressReporter {
  update(progress: BackfillProgress): void;
  stop(): void;
}

const rate = (p: BackfillProgress) => (p.elapsedMs <= 0 ? 0 : Math.round((p.rowsThisRun * 1000) / p.elapsedMs));

function etaSeconds(p: BackfillProgress): number | null {
  const perMs = p.elapsedMs <= 0 ? 0 : p.rowsThisRun / p.elapsedMs;
  return perMs === 0 ? null : Math.ceil((p.total - p.rowsDone) / perMs / 1000);
}

/** The progress line printed off a TTY. */
export function progressLine(label: string, p: BackfillProgress): string {
  const percent = p.total === 0 ? 100 : Math.floor((p.rowsDone * 100) / p.total);
  const eta = etaSeconds(p);
  return `${label}: ${String(p.rowsDone)}/${String(p.total)} rows (${String(percent)}%), ${String(rate(p))} rows/s, ETA ${eta === null ? "?" : `${String(eta)}s`}`;
}

/** The reporter for `stream` (stdout): a `cli-progress` bar when it is a TTY. */
export function progressReporter(label: string, stream: NodeJS.WriteStream = process.stdout, intervalMs = 1000): ProgressReporter {
  if (stream.isTTY) {
    const bar = new SingleBar({ stream, format: `${label} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}`, etaBuffer: 20, hideCursor: true });
    let started = false;
    return {
      update(p) {
        if (!started) {
          bar.start(p.total, p.rowsDone, { rate: 0 });
          started = true;
        }
        bar.setTotal(p.total);
        bar.update(p.rowsDone, { rate: rate(p) });
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  let lastAt = 0;
  let last: BackfillProgress | undefined;
  let printed: BackfillProgress | undefined;
  return {
    update(p) {
      last = p;
      const now = Date.now();
      if (now - lastAt < intervalMs) return;
      lastAt = now;
      printed = p;
      logger.info(progressLine(label, p));
    },
    stop() {
      if (last !== undefined && last !== printed) logger.info(progressLine(label, last));
    },
  };
}

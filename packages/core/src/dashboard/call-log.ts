import type { CallEvent } from "../runtime/index.js";

/** One call as the dashboard's log tail shows it. */
export interface LoggedCall {
  /** Increasing number: the tail asks for the calls after the last one it has. */
  seq: number;
  /** When the call finished (ISO 8601). */
  at: string;
  kind: CallEvent["kind"];
  name: string;
  durationMs: number;
  ok: boolean;
  attempts: number;
  errorCode?: string;
  errorMessage?: string;
}

/**
 * The last calls of the dev server, in memory (a ring of `capacity` entries), for the
 * dashboard's live tail. Feed it from the runtime's `onCall`.
 *
 * @example
 * const calls = new CallLog();
 * createRuntime({ ..., onCall: (event) => calls.add(event) });
 * calls.since(0); // every call still kept, oldest first
 */
export class CallLog {
  private readonly entries: LoggedCall[] = [];
  private nextSeq = 1;

  constructor(private readonly capacity = 500) {}

  add(event: CallEvent): void {
    const entry: LoggedCall = {
      seq: this.nextSeq++,
      at: new Date().toISOString(),
      kind: event.kind,
      name: event.name,
      durationMs: Math.round(event.durationMs * 10) / 10,
      ok: event.ok,
      attempts: event.attempts,
    };
    if (!event.ok) {
      if (event.errorCode !== undefined) entry.errorCode = event.errorCode;
      entry.errorMessage = event.error instanceof Error ? event.error.message : String(event.error);
    }
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  /** The calls after `seq` still kept, oldest first, at most `limit` (the newest ones). */
  since(seq: number, limit = 200): LoggedCall[] {
    const newer = this.entries.filter((entry) => entry.seq > seq);
    return newer.slice(Math.max(0, newer.length - limit));
  }
}

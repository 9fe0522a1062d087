import { randomBytes } from "node:crypto";
import type { WriteRecord } from "../../reactivity/records.js";
import { decodeWriteSet, encodeWriteSet } from "../../reactivity/write-set-codec.js";
import { everythingWriteSet, writeSetOf } from "../../reactivity/write-set.js";
import type { RealtimeEngine } from "../realtime-engine.js";
import { SQL_ORIGIN, type PubSubAdapter } from "./pubsub-adapter.js";

/** Options of {@link ServerFanout.start}. */
export interface ServerFanoutOptions {
  engine: RealtimeEngine;
  /** Where this server's commits go, and whose messages it hears. */
  transport: PubSubAdapter;
  /**
   * Further buses only listened to: with Redis or NATS as the transport, Postgres still
   * carries the notifications of the external-write triggers.
   */
  listenOnly?: readonly PubSubAdapter[];
  /** This server's id in its messages (default: random): its own messages are not applied twice. */
  serverId?: string;
  /** Where failed publications go (default `console.error`). */
  onError?: (error: unknown) => void;
}

/**
 * Connects a server's {@link RealtimeEngine} to the other servers: {@link publish} applies a
 * commit locally and sends its write set (`<server id> <encoded write set>`, coarsened to the
 * bus's size limit, never dropped); every message from another origin is published to the
 * engine; a gap on any bus re-runs every live query. Use the server id as the runtime's
 * `origin`, so the external-write triggers skip this server's commits.
 *
 * Order: a remote write set is applied after the commit it describes, and the engine runs
 * every (re-)run on a snapshot taken after it is scheduled, so each subscriber's results are
 * database states in commit order, whichever server committed.
 */
export class ServerFanout {
  private constructor(
    readonly serverId: string,
    private readonly options: ServerFanoutOptions,
  ) {}

  static async start(options: ServerFanoutOptions): Promise<ServerFanout> {
    const serverId = options.serverId ?? randomBytes(6).toString("hex");
    if (!/^[A-Za-z0-9_-]+$/.test(serverId) || serverId === SQL_ORIGIN) throw new Error(`invalid server id ${JSON.stringify(serverId)}`);
    const fanout = new ServerFanout(serverId, options);
    const { engine } = options;
    for (const bus of [options.transport, ...(options.listenOnly ?? [])]) {
      bus.onGap(() => engine.rerunAll());
      await bus.subscribe((message) => fanout.receive(message));
    }
    return fanout;
  }

  /** A commit of this server (the runtime's `onCommit`): to the local engine, then to the others. Returns the engine's version. */
  publish(writes: readonly WriteRecord[]): number {
    const { transport, engine } = this.options;
    if (transport.othersListening?.() === false) return engine.publish(writes);
    const writeSet = writeSetOf(writes);
    const version = engine.publishWriteSet(writeSet);
    const message = `${this.serverId} ${encodeWriteSet(writeSet, transport.maxMessageBytes - this.serverId.length - 1)}`;
    transport.publish(message).catch(this.options.onError ?? ((error: unknown) => console.error("convoy: publishing a commit to the other servers failed", error)));
    return version;
  }

  async close(): Promise<void> {
    await Promise.all([this.options.transport, ...(this.options.listenOnly ?? [])].map((bus) => bus.close().catch(() => undefined)));
  }

  private receive(message: string): void {
    const space = message.indexOf(" ");
    // unreadable: anything may have changed
    if (space < 0) {
      this.options.engine.publishWriteSet(everythingWriteSet());
      return;
    }
    if (message.slice(0, space) === this.serverId) return;
    this.options.engine.publishWriteSet(decodeWriteSet(message.slice(space + 1)));
  }
}

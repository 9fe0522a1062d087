import pg from "pg";
import type { Driver } from "../../driver/index.js";
import { NOTIFY_PAYLOAD_MAX_BYTES } from "../../reactivity/write-set-codec.js";
import { GapHandlers } from "./gap-handlers.js";
import type { PubSubAdapter } from "./pubsub-adapter.js";

/** Options of {@link createPostgresPubSub}. */
export interface PostgresPubSubOptions {
  /** The app's driver: publishes with `pg_notify`; on PGlite (one process) it also listens. */
  driver: Driver;
  /** The channel (see `pubSubChannel`). */
  channel: string;
  /** The database URL, for the dedicated `LISTEN` connection (required on a real server). */
  databaseUrl?: string | undefined;
  /** How often the `LISTEN` connection is checked with a round trip (ms, default 5000). */
  checkIntervalMs?: number;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/**
 * Postgres `LISTEN/NOTIFY` as a {@link PubSubAdapter}: the default, needing nothing but the
 * database. On a real server one dedicated connection listens; its loss is noticed from its
 * `error`/`end` events and from a periodic round trip, and once it is back (reconnecting with
 * backoff) the gap handlers run. Payloads are at most 7999 bytes (Postgres's limit).
 */
export function createPostgresPubSub(options: PostgresPubSubOptions): PubSubAdapter {
  if (options.driver.kind === "pglite") return pglitePubSub(options);
  if (options.databaseUrl === undefined || options.databaseUrl === "") throw new Error("the postgres pub/sub needs the database URL on a real server");
  return new PgListenPubSub(options.driver, options.channel, options.databaseUrl, options.checkIntervalMs ?? 5000);
}

/**
 * Embedded PGlite is one process: no other server to tell (publishing is a no-op, sparing the
 * one connection a statement per commit), no connection to lose; it hears the triggers.
 */
function pglitePubSub({ driver, channel }: PostgresPubSubOptions): PubSubAdapter {
  let unlisten: (() => Promise<void>) | undefined;
  return {
    name: "postgres",
    maxMessageBytes: NOTIFY_PAYLOAD_MAX_BYTES,
    publish: () => Promise.resolve(),
    async subscribe(handler) {
      unlisten = await driver.listen(channel, handler);
    },
    onGap() {
      // nothing can be lost between a process and itself
    },
    async close() {
      await unlisten?.();
    },
  };
}

class PgListenPubSub implements PubSubAdapter {
  readonly name = "postgres";
  readonly maxMessageBytes = NOTIFY_PAYLOAD_MAX_BYTES;
  private readonly gaps = new GapHandlers();
  private handler: ((message: string) => void) | undefined;
  private client: pg.Client | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private checkTimer: ReturnType<typeof setInterval> | undefined;
  private backoffMs = MIN_BACKOFF_MS;
  private closed = false;

  constructor(
    private readonly driver: Driver,
    private readonly channel: string,
    private readonly databaseUrl: string,
    private readonly checkIntervalMs: number,
  ) {}

  publish(message: string): Promise<void> {
    return this.driver.notify(this.channel, message);
  }

  async subscribe(handler: (message: string) => void): Promise<void> {
    this.handler = handler;
    this.client = await this.connect();
    this.checkTimer = setInterval(() => void this.check(), this.checkIntervalMs);
    this.checkTimer.unref();
  }

  onGap(handler: () => void): void {
    this.gaps.add(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.checkTimer);
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** A connection that listens on the channel (LISTEN done when it resolves). */
  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: "convoy-listen" });
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    client.on("notification", (message) => {
      if (this.client === client && message.channel === this.channel) this.handler?.(message.payload ?? "");
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel.replaceAll('"', '""')}"`);
    } catch (error) {
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }

  /** A round trip on the listening connection: a dead one is replaced. */
  private async check(): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        client.query("SELECT 1"),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error("LISTEN connection check timed out")), this.checkIntervalMs);
        }),
      ]);
    } catch {
      this.lost(client);
    } finally {
      clearTimeout(timer);
    }
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().then(
        (client) => {
          if (this.closed) {
            void client.end().catch(() => undefined);
            return;
          }
          this.client = client;
          this.backoffMs = MIN_BACKOFF_MS;
          // listening again: whatever was published meanwhile may be lost
          this.gaps.fire();
        },
        () => this.scheduleReconnect(),
      );
    }, delay);
    this.reconnectTimer.unref();
  }
}

import pg from "pg";
import type { ClientConfig, Notification } from "pg";
import type { NotificationHandler } from "../driver.js";
import { quoteChannel } from "../driver-utils.js";
import { normalizeDriverError } from "../errors.js";

/** Backoff between reconnect attempts of the LISTEN connection. */
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/**
 * One dedicated connection for `LISTEN`. Opened on the first subscription; if it drops, it
 * reconnects with exponential backoff and re-issues `LISTEN` for every channel that still has
 * handlers. Closed when the driver closes.
 */
export class PgListener {
  readonly #config: ClientConfig;
  readonly #handlers = new Map<string, Set<NotificationHandler>>();
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client> | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #backoffMs = MIN_BACKOFF_MS;
  #closed = false;

  constructor(config: ClientConfig) {
    this.#config = config;
  }

  /** Subscribe `handler` to `channel`; resolves to an unsubscribe function. */
  async listen(channel: string, handler: NotificationHandler): Promise<() => Promise<void>> {
    const quoted = quoteChannel(channel);
    if (this.#closed) throw normalizeDriverError(new Error("Cannot use a pool after calling end on the pool"));
    const client = await this.#connected();
    let handlers = this.#handlers.get(channel);
    if (handlers === undefined) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
      try {
        await client.query(`LISTEN ${quoted}`);
      } catch (error) {
        // The connection broke during LISTEN: keep the handler, the reconnect re-listens.
        if (this.#client === client) {
          this.#handlers.delete(channel);
          throw normalizeDriverError(error);
        }
      }
    }
    handlers.add(handler);
    let subscribed = true;
    return async () => {
      if (!subscribed) return;
      subscribed = false;
      const current = this.#handlers.get(channel);
      if (current === undefined) return;
      current.delete(handler);
      if (current.size > 0) return;
      this.#handlers.delete(channel);
      const active = this.#client;
      if (active === undefined) return;
      try {
        await active.query(`UNLISTEN ${quoted}`);
      } catch {
        // A lost connection has no LISTEN left to undo.
      }
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#handlers.clear();
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const pending = this.#connecting;
    this.#connecting = undefined;
    if (pending !== undefined) await pending.then((client) => client.end(), () => undefined).catch(() => undefined);
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) await client.end().catch(() => undefined);
  }

  /** The open connection, or one connect attempt (shared by concurrent callers). */
  async #connected(): Promise<pg.Client> {
    if (this.#client !== undefined) return this.#client;
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    try {
      return await this.#connecting;
    } catch (error) {
      throw normalizeDriverError(error);
    }
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client(this.#config);
    client.on("error", () => {
      // Reported through `end`; handled there. Without a listener the process would crash.
    });
    try {
      await client.connect();
      for (const channel of this.#handlers.keys()) await client.query(`LISTEN ${quoteChannel(channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      throw new Error("Cannot use a pool after calling end on the pool");
    }
    client.on("notification", (message: Notification) => {
      this.#dispatch(message);
    });
    client.on("end", () => {
      this.#lost(client);
    });
    this.#client = client;
    this.#backoffMs = MIN_BACKOFF_MS;
    return client;
  }

  #dispatch(message: Notification): void {
    const handlers = this.#handlers.get(message.channel);
    if (handlers === undefined) return;
    for (const handler of [...handlers]) {
      try {
        handler(message.payload ?? "");
      } catch {
        // A failing handler must not stop delivery to the others.
      }
    }
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#handlers.size === 0 || this.#reconnectTimer !== undefined) return;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#client !== undefined || this.#closed) return;
      this.#connected().catch(() => {
        this.#scheduleReconnect();
      });
    }, delay);
    this.#reconnectTimer.unref();
  }
}

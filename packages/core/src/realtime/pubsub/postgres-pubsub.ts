import { createHash, randomBytes } from "node:crypto";
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
  /** How often the `LISTEN` connection is checked (the presence count, a round trip; ms, default 5000). */
  checkIntervalMs?: number;
  /** How long `subscribe()` waits for the other servers to answer its hello (ms, default 1000). */
  helloTimeoutMs?: number;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;
/** At most this many messages go in one statement (each stays its own `pg_notify`, ≤ 7999 bytes). */
export const MAX_BATCH_MESSAGES = 1_000;
/** Publications waiting beyond this many are refused (rejected, logged by the fan-out). */
export const MAX_PENDING_MESSAGES = 20_000;
/** How long `close()` waits for the messages published before it to be sent. */
const CLOSE_DRAIN_MS = 2_000;
/** How long a server that starts next to others waits for their answers to its hello. */
const HELLO_TIMEOUT_MS = 1_000;
/** Messages of the presence handshake start with this (server ids and `sql` never do). */
const CONTROL = "!";

/**
 * The `application_name` of the `LISTEN` connections on `channel`: `convoy-listen` and a hash
 * of the channel (names are cut at 63 bytes; channels may be longer). A server counts the other
 * connections of this name to know whether anyone hears its publications.
 */
export function listenApplicationName(channel: string): string {
  return `convoy-listen ${createHash("sha256").update(channel).digest("hex").slice(0, 12)}`;
}

/** The other `LISTEN` connections of a name in this database (run on the `LISTEN` connection: it excludes itself). */
const PEERS_SQL = "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()";

/**
 * One statement (one transaction) notifies every message of a batch (a JSON array of strings:
 * the driver's parameters are JSON), in order: a function scan `WITH ORDINALITY` returns the
 * array's elements in order and `pg_notify` runs as each
 * row is produced (the plan needs no sort, `ORDER BY i` makes the order explicit), and
 * Postgres delivers a transaction's notifications in the order they were sent.
 */
const BATCH_NOTIFY_SQL = "SELECT pg_notify($1, m) FROM json_array_elements_text($2::json) WITH ORDINALITY AS t(m, i) ORDER BY i";

/** A publication waiting for its batch. */
interface Pending {
  message: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Postgres `LISTEN/NOTIFY` as a {@link PubSubAdapter}: the default, needing nothing but the
 * database. On a real server one dedicated connection listens; its loss is noticed from its
 * `error`/`end` events and from a periodic round trip, and once it is back (reconnecting with
 * backoff) the gap handlers run. Payloads are at most 7999 bytes (Postgres's limit).
 *
 * Publishing is coalesced: the messages published while a batch is being sent form the next
 * batch, sent as one statement on the `LISTEN` connection (through the app's pool while that
 * connection is down), so a burst of commits costs one transaction, not one each.
 *
 * A server alone on its channel publishes nothing: a `NOTIFY` per commit costs the database and
 * this process about a fifth of an insert's throughput, for no listener. Presence is the
 * `LISTEN` connections' `application_name` ({@link listenApplicationName}) in `pg_stat_activity`,
 * read after each connect and at every check. A server that finds others says `!hello`; each
 * server that hears it publishes from then on and answers `!here`, and the newcomer's
 * `subscribe()` resolves once all have answered (or after `helloTimeoutMs`, default 1 s): every
 * commit a newcomer's query could miss is published. A server goes quiet again only when a
 * check finds no other listener and no hello arrived while the check ran; while its `LISTEN`
 * connection is down it publishes.
 */
export function createPostgresPubSub(options: PostgresPubSubOptions): PubSubAdapter {
  if (options.driver.kind === "pglite") return pglitePubSub(options);
  if (options.databaseUrl === undefined || options.databaseUrl === "") throw new Error("the postgres pub/sub needs the database URL on a real server");
  return new PgListenPubSub(options.driver, options.channel, options.databaseUrl, options.checkIntervalMs ?? 5000, options.helloTimeoutMs ?? HELLO_TIMEOUT_MS);
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
  /** Published, not yet in a batch (oldest first). */
  private pending: Pending[] = [];
  /** The batch being sent, if any: one at a time keeps this server's messages in order. */
  private sending: Promise<void> | undefined;
  /** Called when nothing is pending or being sent (`close()` waits for it). */
  private onIdle: (() => void) | undefined;
  /** The `application_name` of this channel's `LISTEN` connections. */
  private readonly applicationName: string;
  /** This adapter in the presence handshake. */
  private readonly instance = randomBytes(6).toString("hex");
  /** No other server listens (the last presence check, no hello since): publications are skipped. */
  private alone = false;
  /** Hellos heard from others so far: a presence check that started before one is stale. */
  private hellos = 0;
  /** This adapter's own hello in progress: who answered, how many are expected. */
  private greeting: { answered: Set<string>; expected: number; done: () => void } | undefined;

  constructor(
    private readonly driver: Driver,
    private readonly channel: string,
    private readonly databaseUrl: string,
    private readonly checkIntervalMs: number,
    private readonly helloTimeoutMs: number,
  ) {
    this.applicationName = listenApplicationName(channel);
  }

  /**
   * Queues `message` for the next batch; resolves once its batch was sent, rejects when it
   * failed (the caller logs it: the other servers then see that commit at their next re-run).
   */
  publish(message: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the postgres pub/sub is closed"));
    if (this.alone) return Promise.resolve();
    if (this.pending.length >= MAX_PENDING_MESSAGES) return Promise.reject(new Error(`over ${String(MAX_PENDING_MESSAGES)} messages wait to be published; the database does not keep up`));
    return new Promise((resolve, reject) => {
      this.pending.push({ message, resolve, reject });
      // the rest of this tick's publications join the batch
      if (this.sending === undefined && this.pending.length === 1) queueMicrotask(() => this.sendNext());
    });
  }

  othersListening(): boolean {
    return !this.alone;
  }

  async subscribe(handler: (message: string) => void): Promise<void> {
    this.handler = handler;
    const client = await this.connect();
    this.client = client;
    await this.greet(client);
    this.checkTimer = setInterval(() => void this.check(), this.checkIntervalMs);
    this.checkTimer.unref();
  }

  onGap(handler: () => void): void {
    this.gaps.add(handler);
  }

  /**
   * Stops hearing and releases the connection. What was published before is still sent
   * (for up to 2 s: the in-flight batch and the pending ones, on the open connection); what
   * is still pending then is rejected. Later publications are rejected.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.checkTimer);
    clearTimeout(this.reconnectTimer);
    if (this.sending !== undefined || this.pending.length > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.onIdle = resolve;
        timer = setTimeout(resolve, CLOSE_DRAIN_MS);
      });
      clearTimeout(timer);
      this.onIdle = undefined;
      const dropped = this.pending.splice(0);
      for (const entry of dropped) entry.reject(new Error("the postgres pub/sub closed before this message was sent"));
    }
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Sends the pending messages (up to {@link MAX_BATCH_MESSAGES}) as one batch, then the next. */
  private sendNext(): void {
    if (this.sending !== undefined) return;
    if (this.pending.length === 0) {
      this.onIdle?.();
      return;
    }
    const batch = this.pending.splice(0, MAX_BATCH_MESSAGES);
    this.sending = this.sendBatch(batch.map((entry) => entry.message)).then(
      () => {
        for (const entry of batch) entry.resolve();
      },
      (error: unknown) => {
        for (const entry of batch) entry.reject(error);
      },
    );
    void this.sending.finally(() => {
      this.sending = undefined;
      this.sendNext();
    });
  }

  /**
   * One statement on the `LISTEN` connection; through the pool when that connection is down
   * (or not up yet), or when the connection failed during the statement (it is then replaced).
   * A batch that reached the database before its connection failed may so be sent twice:
   * harmless, a write set applied twice only re-runs more.
   *
   * Postgres keeps one of identical notifications (same channel, same payload) of one
   * transaction. Harmless here: a payload is a write set, and a re-run it causes reads a
   * snapshot taken after it was heard, so after every commit of the batch.
   */
  private async sendBatch(messages: string[]): Promise<void> {
    const batch = JSON.stringify(messages);
    const client = this.client;
    if (client !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          // prepared once per connection
          client.query({ name: "convoy_notify_batch", text: BATCH_NOTIFY_SQL, values: [this.channel, batch] }),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error("publishing on the LISTEN connection timed out")), this.checkIntervalMs);
          }),
        ]);
        return;
      } catch (error) {
        // Postgres refused the statement: the connection is fine, the pool would refuse it too
        if (error instanceof pg.DatabaseError) throw error;
        this.lost(client);
      } finally {
        clearTimeout(timer);
      }
    }
    await this.driver.query(BATCH_NOTIFY_SQL, [this.channel, batch]);
  }

  /** A connection that listens on the channel (LISTEN done when it resolves). */
  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: this.applicationName });
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    client.on("notification", (message) => {
      if (this.client !== client || message.channel !== this.channel) return;
      const payload = message.payload ?? "";
      if (payload.startsWith(CONTROL)) this.control(payload);
      else this.handler?.(payload);
    });
    try {
      await client.connect();
      // The batches sent on this connection write no data: a notification is delivered at
      // commit whether or not the commit record reached the disk, and does not outlive a
      // crash anyway (the listeners' connections drop, their gap handlers re-run everything).
      // Waiting for each batch's WAL flush would buy nothing.
      await client.query(`SET synchronous_commit = off; LISTEN "${this.channel.replaceAll('"', '""')}"`);
    } catch (error) {
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }

  /** A presence check on the listening connection (a dead one is replaced). */
  private async check(): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        this.presence(client),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error("LISTEN connection check timed out")), this.checkIntervalMs);
        }),
      ]);
    } catch (error) {
      // the server answered (the connection is fine) but refused the count: keep publishing
      if (error instanceof pg.DatabaseError) this.alone = false;
      else this.lost(client);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Counts the other listeners; none, and no hello heard meanwhile: quiet. Resolves to the count. */
  private async presence(client: pg.Client): Promise<number> {
    const hellos = this.hellos;
    const { rows } = await client.query<{ n: number }>({ name: "convoy_listen_peers", text: PEERS_SQL, values: [this.applicationName] });
    const others = rows[0]?.n ?? 0;
    if (this.client === client) this.alone = others === 0 && hellos === this.hellos;
    return others;
  }

  /**
   * After (re)connecting: if others listen, say hello and wait until they answer (each then
   * publishes) or the hello timeout passes. A failure leaves the server publishing.
   */
  private async greet(client: pg.Client): Promise<void> {
    let others: number;
    try {
      others = await this.presence(client);
    } catch {
      return;
    }
    if (others === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.greeting = { answered: new Set(), expected: others, done: resolve };
      timer = setTimeout(resolve, this.helloTimeoutMs);
      this.sendControl(`${CONTROL}hello ${this.instance}`);
    });
    clearTimeout(timer);
    this.greeting = undefined;
  }

  /** A handshake message: `!hello <instance>` or `!here <instance> <the greeted instance>`. */
  private control(payload: string): void {
    const [kind, from, to] = payload.slice(CONTROL.length).split(" ");
    if (from === undefined || from === this.instance) return;
    if (kind === "hello") {
      this.hellos++;
      this.alone = false;
      // a newcomer greeting at the same time listens and publishes too
      this.answered(from);
      this.sendControl(`${CONTROL}here ${this.instance} ${from}`);
    } else if (kind === "here" && to === this.instance) {
      this.answered(from);
    }
  }

  private answered(from: string): void {
    const greeting = this.greeting;
    if (greeting === undefined) return;
    greeting.answered.add(from);
    if (greeting.answered.size >= greeting.expected) greeting.done();
  }

  /** Sends a handshake message through the pool (rare; never blocks the batches). */
  private sendControl(message: string): void {
    this.driver.query("SELECT pg_notify($1, $2)", [this.channel, message]).catch(() => undefined);
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.alone = false;
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
          void this.greet(client).then(() => this.gaps.fire());
        },
        () => this.scheduleReconnect(),
      );
    }, delay);
    this.reconnectTimer.unref();
  }
}

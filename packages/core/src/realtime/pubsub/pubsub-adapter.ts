/**
 * A message bus between Convoy servers (Postgres `LISTEN/NOTIFY`, Redis, NATS, or your own).
 * Messages are text; every server publishes its committed write sets and hears everyone's.
 * Delivery may be lost while a connection is down: an adapter must then report a gap
 * ({@link PubSubAdapter.onGap}) once it hears messages again, and the server re-runs every
 * live query, so a lost message never becomes a stale result.
 *
 * @example
 * const adapter: PubSubAdapter = createRedisPubSub({ url: "redis://127.0.0.1:6379" });
 * adapter.onGap(() => engine.rerunAll());
 * await adapter.subscribe((message) => console.log(message));
 * await adapter.publish("hello");
 */
export interface PubSubAdapter {
  /** `postgres`, `redis`, `nats`, … (logs and metrics). */
  readonly name: string;
  /** The largest message in UTF-8 bytes (Postgres: 7999); larger write sets are coarsened to fit. */
  readonly maxMessageBytes: number;
  /**
   * Send `message` to every subscriber, this server's included. An adapter may send nothing
   * while no other server listens (see {@link othersListening}).
   */
  publish(message: string): Promise<void>;
  /**
   * Whether a publication now could reach another server (absent: always). `false` lets the
   * fan-out skip building the message; the Postgres adapter says so while its server is alone.
   */
  othersListening?(): boolean;
  /**
   * Start hearing messages (once). Resolves when messages published from then on reach
   * `handler`; rejects when the bus cannot be reached.
   */
  subscribe(handler: (message: string) => void): Promise<void>;
  /**
   * `handler` runs after the subscription was lost and is back (messages in between may be
   * lost): at that point messages published from then on reach the subscriber again.
   */
  onGap(handler: () => void): void;
  /** Stop hearing and release connections. */
  close(): Promise<void>;
}

/** The channel (subject) Convoy uses for an app's tables in Postgres schema `pgSchema`. */
export function pubSubChannel(pgSchema: string): string {
  return `convoy:${pgSchema}`;
}

/** The origin of the messages the external-write triggers send (no server has this id). */
export const SQL_ORIGIN = "sql";

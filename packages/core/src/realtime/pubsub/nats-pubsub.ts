import { connect, Events, type NatsConnection } from "nats";
import { GapHandlers } from "./gap-handlers.js";
import type { PubSubAdapter } from "./pubsub-adapter.js";

/** Options of {@link createNatsPubSub}. */
export interface NatsPubSubOptions {
  /** `nats://host:port` (or a comma-separated list of servers). */
  url: string;
  /** The subject (see `pubSubChannel`). */
  channel: string;
}

/** NATS's default max_payload is 1 MiB; write sets are coarsened past this many bytes. */
const NATS_MAX_MESSAGE_BYTES = 256 * 1024;

const utf8 = new TextEncoder();
const text = new TextDecoder();

/**
 * NATS core pub/sub as a {@link PubSubAdapter} (the `nats` package): one connection that
 * reconnects forever. Its subscriptions are restored on reconnect; once the server has them
 * again (a flush), the gap handlers run.
 */
export function createNatsPubSub(options: NatsPubSubOptions): PubSubAdapter {
  const gaps = new GapHandlers();
  let connection: Promise<NatsConnection> | undefined;
  const connected = (): Promise<NatsConnection> =>
    (connection ??= connect({
      servers: options.url.split(",").map((server) => server.trim().replace(/^nats:\/\//, "")),
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
      pingInterval: 5000,
      maxPingOut: 2,
    }).then((nc) => {
      void (async () => {
        for await (const status of nc.status()) {
          if (status.type !== Events.Reconnect) continue;
          // the restored subscription is live once the server answered a flush
          await nc.flush().then(
            () => gaps.fire(),
            () => gaps.fire(),
          );
        }
      })();
      return nc;
    }));
  return {
    name: "nats",
    maxMessageBytes: NATS_MAX_MESSAGE_BYTES,
    async publish(message) {
      (await connected()).publish(options.channel, utf8.encode(message));
    },
    async subscribe(handler) {
      const nc = await connected();
      nc.subscribe(options.channel, { callback: (error, message) => error === null && handler(text.decode(message.data)) });
      await nc.flush();
    },
    onGap: (handler) => gaps.add(handler),
    async close() {
      if (connection === undefined) return;
      const nc = await connection.catch(() => undefined);
      await nc?.close();
    },
  };
}

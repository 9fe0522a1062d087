import { randomUUID } from "node:crypto";
import { createClient } from "redis";
import { GapHandlers } from "./gap-handlers.js";
import type { PubSubAdapter } from "./pubsub-adapter.js";

/** Options of {@link createRedisPubSub}. */
export interface RedisPubSubOptions {
  /** `redis://host:port` (any URL the `redis` package accepts). */
  url: string;
  /** The channel (see `pubSubChannel`). */
  channel: string;
  /** How often idle connections are pinged (ms, default 5000): a dead one is noticed and replaced. */
  pingIntervalMs?: number;
  /** `CLIENT SETNAME` of the subscribing connection (default `convoy-sub-<random>`). */
  clientName?: string;
}

/** Redis messages may be large; write sets are still coarsened past this many bytes. */
const REDIS_MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * Redis pub/sub as a {@link PubSubAdapter} (the `redis` package): one connection publishes,
 * one subscribes. Both reconnect by themselves; after the subscriber was disconnected, it is
 * subscribed again before `ready`, and then the gap handlers run.
 */
export function createRedisPubSub(options: RedisPubSubOptions): PubSubAdapter {
  const gaps = new GapHandlers();
  const socket = { reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5000) };
  const pingInterval = options.pingIntervalMs ?? 5000;
  const publisher = createClient({ url: options.url, socket, pingInterval });
  const subscriber = createClient({ url: options.url, socket, pingInterval, name: options.clientName ?? `convoy-sub-${randomUUID().slice(0, 8)}` });
  // errors are followed by reconnects; without a listener they would crash the process
  publisher.on("error", () => undefined);
  let lost = false;
  subscriber.on("error", () => {
    lost = true;
  });
  subscriber.on("reconnecting", () => {
    lost = true;
  });
  subscriber.on("ready", () => {
    if (!lost) return;
    lost = false;
    gaps.fire();
  });
  let publisherReady: Promise<unknown> | undefined;
  return {
    name: "redis",
    maxMessageBytes: REDIS_MAX_MESSAGE_BYTES,
    async publish(message) {
      await (publisherReady ??= publisher.connect());
      await publisher.publish(options.channel, message);
    },
    async subscribe(handler) {
      await subscriber.connect();
      await subscriber.subscribe(options.channel, (message) => handler(message));
      await (publisherReady ??= publisher.connect());
    },
    onGap: (handler) => gaps.add(handler),
    async close() {
      for (const client of [publisher, subscriber]) if (client.isOpen) await client.close().catch(() => undefined);
    },
  };
}

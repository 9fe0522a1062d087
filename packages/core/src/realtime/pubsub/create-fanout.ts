import type { Driver } from "../../driver/index.js";
import type { RealtimeEngine } from "../realtime-engine.js";
import { createNatsPubSub } from "./nats-pubsub.js";
import { createPostgresPubSub } from "./postgres-pubsub.js";
import { pubSubChannel, type PubSubAdapter } from "./pubsub-adapter.js";
import { createRedisPubSub } from "./redis-pubsub.js";
import { ServerFanout } from "./server-fanout.js";

/**
 * `realtime.pubsub` of `convoy.config.ts`: how servers tell each other about commits.
 * `"postgres"` (default): `LISTEN/NOTIFY` on the app's database. `{ redis: url }` or
 * `{ nats: url }`: that bus for Convoy's commits (Postgres still carries the notifications of
 * writes made by other SQL clients). Or an adapter of your own.
 */
export type PubSubConfig = "postgres" | { redis: string } | { nats: string } | { adapter: PubSubAdapter };

/** Options of {@link createServerFanout}. */
export interface CreateServerFanoutOptions {
  engine: RealtimeEngine;
  driver: Driver;
  /** The database URL (real server: the `LISTEN` connection). */
  databaseUrl?: string | undefined;
  pgSchema: string;
  pubsub?: PubSubConfig | undefined;
  serverId?: string;
}

/** The {@link ServerFanout} of a server's configuration, subscribed and ready. */
export async function createServerFanout(options: CreateServerFanoutOptions): Promise<ServerFanout> {
  const channel = pubSubChannel(options.pgSchema);
  const postgres = () => createPostgresPubSub({ driver: options.driver, channel, databaseUrl: options.databaseUrl });
  const pubsub = options.pubsub ?? "postgres";
  let transport: PubSubAdapter;
  if (pubsub === "postgres") transport = postgres();
  else if ("redis" in pubsub) transport = createRedisPubSub({ url: pubsub.redis, channel });
  else if ("nats" in pubsub) transport = createNatsPubSub({ url: pubsub.nats, channel });
  else transport = pubsub.adapter;
  const listenOnly = pubsub === "postgres" ? [] : [postgres()];
  return ServerFanout.start({ engine: options.engine, transport, listenOnly, ...(options.serverId === undefined ? {} : { serverId: options.serverId }) });
}

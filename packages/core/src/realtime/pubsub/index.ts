/** Fan-out of committed write sets between Convoy servers (docs/realtime.md, "Many servers and external writes"). */
export { pubSubChannel, SQL_ORIGIN, type PubSubAdapter } from "./pubsub-adapter.js";
export { createPostgresPubSub, type PostgresPubSubOptions } from "./postgres-pubsub.js";
export { createRedisPubSub, type RedisPubSubOptions } from "./redis-pubsub.js";
export { createNatsPubSub, type NatsPubSubOptions } from "./nats-pubsub.js";
export { ServerFanout, type ServerFanoutOptions } from "./server-fanout.js";
export { createServerFanout, type PubSubConfig } from "./create-fanout.js";

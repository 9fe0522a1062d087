/**
 * Child process of `scale.bench.ts`: one Convoy server (its own runtime, RealtimeEngine, sync
 * server and, unless `transport` is `none`, a ServerFanout on the bus) on the shared database,
 * as `convoy start` would run it on its own machine. Driven over IPC:
 * - `{ cmd: "start", url, transport, channel, serverId, maxConnections }` → `{ port }` once
 *   it listens and hears the bus (`transport`: `postgres`, `redis`, `nats` or `none`, a lone
 *   server with no bus; with Redis or NATS it also LISTENs on Postgres, as configured servers do);
 * - `{ cmd: "write", round, author }` runs `messages:send` and answers `{ t0 }`, the
 *   `process.hrtime.bigint()` at which the mutation had returned (committed), on the
 *   subscribers' clock (CLOCK_MONOTONIC);
 * - `{ cmd: "stop" }` closes everything → `{ stopped }`.
 */
import type { AddressInfo } from "node:net";
import { createPgDriver, type Driver } from "../../packages/core/src/driver/index.js";
import { createServer } from "../../packages/core/src/http/index.js";
import { createLiveRegistry, schema } from "../../packages/core/src/realtime/fixtures/live-app.js";
import { RealtimeEngine } from "../../packages/core/src/realtime/index.js";
import { createNatsPubSub, createPostgresPubSub, createRedisPubSub, ServerFanout, type PubSubAdapter } from "../../packages/core/src/realtime/pubsub/index.js";
import { createRuntime, type Runtime } from "../../packages/core/src/runtime/index.js";

type Transport = "postgres" | "redis" | "nats" | "none";
interface StartCommand {
  cmd: "start";
  url: string;
  transport: Transport;
  channel: string;
  serverId: string;
  maxConnections: number;
}
type Command = StartCommand | { cmd: "write"; round: number; author: string } | { cmd: "stop" };

let state: { driver: Driver; runtime: Runtime; engine: RealtimeEngine; fanout?: ServerFanout; server: ReturnType<typeof createServer> } | undefined;

async function start(command: StartCommand): Promise<number> {
  const driver = await createPgDriver({ connectionString: command.url, max: 2 });
  const bus = (): PubSubAdapter | undefined => {
    if (command.transport === "postgres") return createPostgresPubSub({ driver, channel: command.channel, databaseUrl: command.url });
    if (command.transport === "redis") return createRedisPubSub({ url: "redis://127.0.0.1:6379", channel: command.channel });
    if (command.transport === "nats") return createNatsPubSub({ url: "nats://127.0.0.1:4222", channel: command.channel });
    return undefined;
  };
  const transport = bus();
  let runtime: Runtime;
  let engine: RealtimeEngine;
  let fanout: ServerFanout | undefined;
  if (transport === undefined) {
    runtime = await createRuntime({ driver, schema, registry: createLiveRegistry() });
    engine = new RealtimeEngine({ runtime });
  } else {
    const made = await createRuntime({ driver, schema, registry: createLiveRegistry(), origin: command.serverId });
    runtime = made;
    engine = new RealtimeEngine({ runtime: () => made });
    // as createServerFanout: with Redis or NATS, Postgres still carries the external writes
    const listenOnly = command.transport === "postgres" ? [] : [createPostgresPubSub({ driver, channel: `${command.channel}-sql`, databaseUrl: command.url })];
    fanout = await ServerFanout.start({ engine, transport, listenOnly, serverId: command.serverId });
    const started = fanout;
    runtime.onCommit(({ writes }) => started.publish(writes));
  }
  const server = createServer({ runtime, realtime: { engine, runtime }, connections: { maxConnections: command.maxConnections } });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state = { driver, runtime, engine, server, ...(fanout === undefined ? {} : { fanout }) };
  return (server.address() as AddressInfo).port;
}

async function stop(): Promise<void> {
  if (state === undefined) return;
  const { server, engine, fanout, driver } = state;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  engine.close();
  await fanout?.close();
  await driver.close();
}

process.on("message", (command: Command) => {
  if (command.cmd === "start") void start(command).then((port) => process.send!({ port }));
  else if (command.cmd === "write") {
    void state!.runtime.run("mutation", "messages:send", { author: command.author, body: `r${String(command.round)}` }).then(() => {
      process.send!({ t0: String(process.hrtime.bigint()) });
    });
  } else void stop().then(() => process.send!({ stopped: true }));
});

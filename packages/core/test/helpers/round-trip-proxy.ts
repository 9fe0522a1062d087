import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

/**
 * A TCP proxy to Postgres that counts round trips: the frontend messages after which the
 * client waits for the server's `ReadyForQuery` — `Sync` ('S', ending an extended-protocol
 * batch) and `Query` ('Q', a simple query). Everything is passed on unchanged.
 */
export class RoundTripProxy {
  /** Round trips sent through the proxy since the last {@link reset}. */
  roundTrips = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      this.sockets.add(client).add(upstream);
      let buffered = Buffer.alloc(0);
      let started = false;
      client.on("data", (chunk: Buffer) => {
        upstream.write(chunk);
        buffered = Buffer.concat([buffered, chunk]);
        for (;;) {
          // the startup message has no type byte: int32 length (itself included), then the body
          const header = started ? 5 : 4;
          if (buffered.length < header) break;
          const length = buffered.readUInt32BE(started ? 1 : 0) + (started ? 1 : 0);
          if (buffered.length < length) break;
          if (started && (buffered[0] === 0x53 || buffered[0] === 0x51)) this.roundTrips++;
          started = true;
          buffered = buffered.subarray(length);
        }
      });
      upstream.on("data", (chunk: Buffer) => client.write(chunk));
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        from.on("error", () => to.destroy());
        from.on("close", () => {
          this.sockets.delete(from);
          to.destroy();
        });
      }
    });
  }

  /** Starts listening on 127.0.0.1; resolves to the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as AddressInfo).port;
  }

  reset(): void {
    this.roundTrips = 0;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

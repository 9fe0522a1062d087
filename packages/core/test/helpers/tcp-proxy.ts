import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

/** One connection through a {@link TcpProxy}. */
export interface ProxyLink {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Set to stop piping both ways: closing one socket then no longer destroys the other (it may still be flushing). */
  detached: boolean;
}

export interface TcpProxyOptions {
  /** Whether to take a new connection (default: always); a refused one is destroyed at once. */
  accept?: () => boolean;
  /** Sees each chunk from the client before it goes upstream; returns whether to forward it. */
  fromClient?: (chunk: Buffer, link: ProxyLink) => boolean;
  /** Called for each new connection, once its sockets are piped. */
  onConnection?: (link: ProxyLink) => void;
}

/**
 * A TCP proxy (to Postgres, in the tests that need to see or break the link): pipes each
 * client connection to `target` both ways; an error or close on one side destroys the other.
 */
export class TcpProxy {
  /** Every open socket, both sides. */
  readonly sockets = new Set<Socket>();
  private readonly server: Server;

  constructor(target: { host: string; port: number }, options: TcpProxyOptions = {}) {
    this.server = createServer((client) => {
      if (options.accept?.() === false) {
        client.destroy();
        return;
      }
      const link: ProxyLink = { client, upstream: connect(target.port, target.host), detached: false };
      const { upstream } = link;
      client.on("data", (chunk: Buffer) => {
        if (!link.detached && (options.fromClient?.(chunk, link) ?? true) && !link.detached) upstream.write(chunk);
      });
      upstream.on("data", (chunk: Buffer) => {
        if (!link.detached) client.write(chunk);
      });
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.sockets.add(from);
        from.on("error", () => to.destroy());
        from.on("close", () => {
          this.sockets.delete(from);
          if (!link.detached) to.destroy();
        });
      }
      options.onConnection?.(link);
    });
  }

  /** Starts listening on 127.0.0.1; resolves to the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

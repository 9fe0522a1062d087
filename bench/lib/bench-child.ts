import { fork, type ChildProcess } from "node:child_process";

/** A reply of a bench child process (bench/lib/sync-clients.ts, scale-server.ts, …). */
export type ChildReply = {
  ready?: true;
  armed?: number;
  done?: number;
  at?: string;
  closed?: true;
  port?: number;
  t0?: string;
  stopped?: true;
  dropped?: true;
  connected?: number;
};

/** A bench child process (`tsx`) driven by IPC commands, each answered by a matching reply. */
export class BenchChild {
  private readonly child: ChildProcess;
  private waiting: { match: (reply: ChildReply) => boolean; resolve: (reply: ChildReply) => void }[] = [];

  /** `file` is relative to bench/lib/; `args` are its command-line arguments. */
  constructor(file: string, args: string[] = []) {
    this.child = fork(new URL(file, import.meta.url).pathname, args, { execArgv: ["--import", "tsx"] });
    this.child.on("message", (reply: ChildReply) => {
      const found = this.waiting.findIndex((waiter) => waiter.match(reply));
      if (found !== -1) this.waiting.splice(found, 1)[0]!.resolve(reply);
    });
  }

  ask(command: object, match: (reply: ChildReply) => boolean): Promise<ChildReply> {
    return new Promise((resolve) => {
      this.waiting.push({ match, resolve });
      this.child.send(command);
    });
  }

  expect(match: (reply: ChildReply) => boolean): Promise<ChildReply> {
    return new Promise((resolve) => this.waiting.push({ match, resolve }));
  }

  exit(): void {
    this.child.kill();
  }
}

/** The subscribers' process (bench/lib/sync-clients.ts). */
export class SubscriberProcess extends BenchChild {
  constructor() {
    super("./sync-clients.ts");
  }

  /** Opens `sockets` sockets to `url`, each subscribed to `messages:byAuthor` of `author`; resolves once every first result arrived. */
  async openShared(url: string, sockets: number, author: string): Promise<void> {
    await this.ask({ cmd: "open", url, sockets, perSocket: 1, kind: "shared", author }, (r) => r.ready === true);
  }

  /** Opens `sockets` sockets to `url` with `perSocket` subscriptions each, of `kind` (see sync-clients.ts); `raw`: the baseline's protocol. */
  async open(url: string, sockets: number, perSocket: number, kind: "shared" | "distinct" | "identity", raw = false): Promise<void> {
    await this.ask({ cmd: "open", url, sockets, perSocket, kind, raw }, (r) => r.ready === true);
  }

  /**
   * Arms round `round` (every socket, or only the `target` [socket, subscription]); resolves with a promise of the
   * hrtime (ns) at which the round completed (wrapped: an async function would adopt it).
   */
  async arm(round: number, target?: [number, number]): Promise<{ done: Promise<bigint> }> {
    const done = this.expect((r) => r.done === round).then((r) => BigInt(r.at!));
    await this.ask({ cmd: "arm", round, ...(target === undefined ? {} : { target }) }, (r) => r.armed === round);
    return { done };
  }

  async close(): Promise<void> {
    await this.ask({ cmd: "close" }, (r) => r.closed === true);
  }
}

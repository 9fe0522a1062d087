import { connect, type Socket } from "node:net";

/**
 * A minimal HTTP/1.1 keep-alive client for CPU benches: one socket, one request at a time, a
 * pre-built request and only `Content-Length` read from the answer, so that its own CPU per
 * call is small next to the server's when both run in one process.
 */
export class KeepAliveClient {
  private socket: Socket | undefined;
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (status: number) => void; reject: (error: Error) => void } | undefined;

  constructor(private readonly port: number) {}

  /** POSTs `body` (JSON text) to `path`; resolves to the status once the whole answer arrived. */
  async post(path: string, body: string): Promise<number> {
    const socket = this.socket ?? (await this.open());
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${String(Buffer.byteLength(body))}\r\n\r\n${body}`);
    });
  }

  close(): void {
    this.socket?.destroy();
  }

  private async open(): Promise<Socket> {
    const socket = connect(this.port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      const end = this.buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = this.buffered.subarray(0, end).toString("latin1");
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (this.buffered.length < end + 4 + length) return;
      this.buffered = this.buffered.subarray(end + 4 + length);
      const waiting = this.waiting!;
      this.waiting = undefined;
      waiting.resolve(Number(head.slice(9, 12)));
    });
    socket.on("close", () => {
      this.socket = undefined;
      this.buffered = Buffer.alloc(0);
      this.waiting?.reject(new Error("the server closed the connection"));
      this.waiting = undefined;
    });
    this.socket = socket;
    return socket;
  }
}

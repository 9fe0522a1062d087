/**
 * Child process of `realtime.bench.ts`: holds subscriber sockets (a process has 20,000 file
 * descriptors; the server side needs its own). Driven over IPC:
 * - `{ cmd: "open", url, sockets, perSocket, kind }` opens `sockets` sockets with `perSocket`
 *   subscriptions each (`kind`: `shared`, all to one query; `distinct`, one author per
 *   subscription; `identity`, socket s authenticates as user `u<s>` and subscribes to the rules
 *   fixture's `notes:take`; `author`: the shared query's author, default `fan`), answers
 *   `{ ready }` once every first result arrived; `raw`: a
 *   baseline server, no protocol (each socket sends its index as its first frame);
 * - `{ cmd: "arm", round, target? }` answers `{ armed }`, then `{ done: round, at }` when every
 *   socket (or only `target: [socket, queryId]`) received a frame after arming; `at` is
 *   `process.hrtime.bigint()` (CLOCK_MONOTONIC, the parent's clock too) when the last one was
 *   read, so no IPC latency is in the numbers;
 * - `{ cmd: "close" }` closes every socket.
 */
import { WebSocket } from "ws";

interface OpenCommand {
  cmd: "open";
  url: string;
  sockets: number;
  perSocket: number;
  kind: "shared" | "distinct" | "identity";
  /** Raw baseline server: no protocol, every frame counts. */
  raw?: boolean;
  /** `shared`: the author all subscribe to (default `fan`). */
  author?: string;
}
type Command = OpenCommand | { cmd: "arm"; round: number; target?: [number, number] } | { cmd: "close" };

let sockets: WebSocket[] = [];
let armed: { round: number; target?: [number, number]; pending: Set<number> } | undefined;

function send(message: unknown): void {
  process.send!(message);
}

function onFrame(index: number, data: string, raw: boolean): boolean {
  const target = armed?.target;
  if (armed === undefined) return false;
  if (target !== undefined) {
    if (index !== target[0]) return false;
    if (!raw && !data.includes(`"queryId":${target[1]},`)) return false;
  }
  armed.pending.delete(index);
  if (armed.pending.size === 0) {
    send({ done: armed.round, at: String(process.hrtime.bigint()) });
    armed = undefined;
  }
  return true;
}

function subscribe(socket: WebSocket, command: OpenCommand, s: number): void {
  socket.send(JSON.stringify({ type: "connect", protocol: 1, sessionId: `bench-${s}` }));
  if (command.kind === "identity") {
    socket.send(JSON.stringify({ type: "authenticate", token: `tok:u${s}` }));
    socket.send(JSON.stringify({ type: "subscribe", queryId: 0, name: "notes:take", args: { n: 10 } }));
    return;
  }
  for (let q = 0; q < command.perSocket; q++) {
    const args = command.kind === "shared" ? { author: command.author ?? "fan" } : { author: `author-${s * command.perSocket + q}` };
    socket.send(JSON.stringify({ type: "subscribe", queryId: q, name: "messages:byAuthor", args }));
  }
}

/** Open one socket (and subscribe); resolves once it is open. */
function openOne(command: OpenCommand, s: number, firstResult: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket = new WebSocket(command.url, { perMessageDeflate: false });
    // rounds name sockets by their index over every open (a raw server learns it from the first frame)
    const index = sockets.length;
    sockets.push(socket);
    let got = 0;
    socket.on("open", () => {
      if (command.raw === true) socket.send(String(index));
      else subscribe(socket, command, s);
      resolve();
    });
    socket.on("message", (data: Buffer) => {
      const text = data.toString("utf8");
      if (onFrame(index, text, command.raw === true)) return;
      if (!text.startsWith('{"type":"transition"')) return;
      got += (text.match(/"queryId"/g) ?? []).length;
      if (got === command.perSocket) firstResult();
    });
    socket.on("error", reject);
  });
}

async function open(command: OpenCommand): Promise<void> {
  let firstResults = 0;
  let allFirst!: () => void;
  const everyFirst = new Promise<void>((resolve) => (allFirst = resolve));
  const expected = command.raw === true ? 0 : command.sockets;
  // in batches: 10,000 simultaneous connects overflow the listen backlog
  for (let s = 0; s < command.sockets; s += 200) {
    await Promise.all(Array.from({ length: Math.min(200, command.sockets - s) }, (_, k) => openOne(command, s + k, () => ++firstResults === expected && allFirst())));
  }
  if (expected > 0) await everyFirst;
  send({ ready: true });
}

process.on("message", (command: Command) => {
  if (command.cmd === "open") void open(command);
  else if (command.cmd === "arm") {
    const all = command.target === undefined ? sockets.map((_, i) => i) : [command.target[0]];
    armed = { round: command.round, ...(command.target === undefined ? {} : { target: command.target }), pending: new Set(all) };
    send({ armed: command.round });
  } else {
    for (const socket of sockets) socket.terminate();
    sockets = [];
    send({ closed: true });
  }
});

/**
 * Child process of `realtime.bench.ts`: the raw baselines of the fan-out scenarios, a plain
 * `ws` server in its own process (10,000 more server-side sockets do not fit next to Convoy's
 * in one process's file descriptors), so Convoy and baseline rounds can alternate.
 * `tsx bench/lib/raw-fanout-server.ts <messagesDbUrl> <notesDbUrl>`, driven over IPC:
 * - `{ cmd: "listen" }` → `{ port }`; each socket's first frame is its index;
 * - `{ cmd: "round", mode, round }` does one round and answers `{ t0 }`, the
 *   `process.hrtime.bigint()` at which the write had committed (the clock of the subscribers'
 *   arrival stamps):
 *   - `naive`: INSERT a message, then SELECT the rows, `JSON.stringify` and `ws.send` per socket;
 *   - `floor`: no database; ONE pre-framed WebSocket frame (the last naive payload) written to
 *     each socket's `net.Socket`: the least a server can do to reach every subscriber;
 *   - `authorized`: INSERT a public note, then per socket (user `u<index>`) the rules' SELECT
 *     (public or own, top 10 by rank) over the pool and `ws.send` of its rows;
 * - `{ cmd: "await", sockets }` → `{ connected }` once that many sockets sent their index;
 * - `{ cmd: "drop" }` closes every socket → `{ dropped }`.
 */
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import pg from "pg";
import { WebSocketServer, type WebSocket } from "ws";

const [messagesUrl, notesUrl] = process.argv.slice(2);
const messages = new pg.Pool({ connectionString: messagesUrl, max: 8 });
const notes = new pg.Pool({ connectionString: notesUrl, max: 8 });
const http = createServer();
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
let sockets: { ws: WebSocket; net: Socket }[] = [];
let payload = "{}";

http.on("upgrade", (request, net: Socket, head) => {
  wss.handleUpgrade(request, net, head, (ws) => {
    ws.once("message", (data: Buffer) => {
      sockets[Number(data.toString())] = { ws, net };
    });
  });
});

/** A complete unmasked text frame (RFC 6455 §5.2): built once, written as is to every socket. */
function textFrame(text: string): Buffer {
  const body = Buffer.from(text);
  const header = body.length < 126 ? Buffer.from([0x81, body.length]) : body.length < 65536 ? Buffer.from([0x81, 126, body.length >> 8, body.length & 255]) : undefined;
  if (header === undefined) throw new Error("payload too large for the floor frame");
  return Buffer.concat([header, body]);
}

/** The rules' `notes:take` for one user, as a hand-written SELECT on the same index. */
const VISIBLE = `SELECT "data" FROM "public"."notes" WHERE ("data"->'public' = 'true'::jsonb OR "data"->>'owner' = $1) ORDER BY convoy.sort_key_v1("data"->'rank'), "_creation_time", "_id" LIMIT 10`;

async function round(mode: string, i: number): Promise<bigint> {
  if (mode === "floor") {
    const frame = textFrame(payload);
    const t0 = process.hrtime.bigint();
    for (const socket of sockets) socket.net.write(frame);
    return t0;
  }
  if (mode === "naive") {
    await messages.query("INSERT INTO messages (_id, _creation_time, data) VALUES ($1, $2, $3)", [`raw${i}`, Date.now(), { author: "fan", body: `r${i}` }]);
    const t0 = process.hrtime.bigint();
    const { rows } = await messages.query<{ doc: { body: string } }>("SELECT data AS doc FROM messages WHERE data->>'author' = 'fan'");
    const message = { type: "transition", version: String(i), results: [{ queryId: 0, value: rows.map((r) => r.doc.body) }] };
    for (const socket of sockets) socket.ws.send(JSON.stringify(message));
    payload = JSON.stringify(message);
    return t0;
  }
  await notes.query("INSERT INTO notes (_id, _creation_time, data) VALUES ($1, $2, $3)", [`rawnote${i}`, Date.now(), { owner: "writer", public: true, rank: -1_000_000 - i, body: `r${i}` }]);
  const t0 = process.hrtime.bigint();
  await Promise.all(
    sockets.map(async (socket, index) => {
      const { rows } = await notes.query<{ data: unknown }>(VISIBLE, [`u${index}`]);
      socket.ws.send(JSON.stringify({ type: "transition", version: String(i), results: [{ queryId: 0, value: rows.map((r) => r.data) }] }));
    }),
  );
  return t0;
}

type Command = { cmd: "listen" } | { cmd: "await"; sockets: number } | { cmd: "round"; mode: string; round: number } | { cmd: "drop" };

async function connected(count: number): Promise<void> {
  while (sockets.filter((socket) => socket !== undefined).length < count) await new Promise((resolve) => setTimeout(resolve, 10));
}

process.on("message", (command: Command) => {
  if (command.cmd === "listen") http.listen(0, "127.0.0.1", () => process.send!({ port: (http.address() as AddressInfo).port }));
  else if (command.cmd === "await") void connected(command.sockets).then(() => process.send!({ connected: command.sockets }));
  else if (command.cmd === "round") void round(command.mode, command.round).then((t0) => process.send!({ t0: String(t0) }));
  else {
    for (const socket of sockets) socket.ws.terminate();
    sockets = [];
    process.send!({ dropped: true });
  }
});

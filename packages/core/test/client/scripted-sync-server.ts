/*
 * A small, scripted `/api/sync` server for the client's protocol-edge tests (reconnect, backoff,
 * close codes, heartbeats): a real `ws` server on a real port that speaks protocol v1 over an
 * in-memory model, and lets a test drop sockets, refuse tokens, hold answers and close with any
 * code. The client's end-to-end tests run against the real Convoy server instead.
 *
 * The model: `counter:get` → the counter (a number); `counter:add {by}` → adds, returns the new
 * value; `whoami:get` → the subject of the socket's identity, or null; `boom:get` → an
 * APPLICATION_ERROR with data. Tokens `user:<subject>` are valid; any other token closes 4401.
 */
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

type Message = Record<string, unknown> & { type: string };

export interface ScriptedSocket {
  /** Every message this socket received, parsed. */
  received: Message[];
  identity: string | null;
  send(message: Message): void;
  close(code: number, reason?: string): void;
  /** Drops the TCP connection without a close frame (a network failure). */
  terminate(): void;
}

export interface ScriptedServer {
  url: string;
  port: number;
  sockets: ScriptedSocket[];
  /** Every mutation applied, by `sessionId:requestId` (a duplicate never applies twice). */
  applied: string[];
  counter: number;
  /** When set, a mutation is applied and then this runs instead of answering (e.g. to drop the socket). */
  onMutationApplied: ((socket: ScriptedSocket, requestId: string) => "answer" | "hold") | undefined;
  /** When false, pings are not answered (a silent server). */
  answerPings: boolean;
  /** Resolves with the next socket that says `connect`. */
  nextSocket(): Promise<ScriptedSocket>;
  /** Resolves once a message matching `predicate` has arrived on any socket. */
  waitFor(predicate: (message: Message, socket: ScriptedSocket) => boolean): Promise<{ message: Message; socket: ScriptedSocket }>;
  /** Writes the counter as another client would, pushing to subscribers. */
  setCounter(value: number): void;
  close(): Promise<void>;
}

interface Subscription {
  queryId: number;
  name: string;
}

/** Starts the server (on `port`, default a free one). */
export async function startScriptedServer(port = 0): Promise<ScriptedServer> {
  const wss = new WebSocketServer({ port, host: "127.0.0.1", path: "/api/sync" });
  await new Promise<void>((resolve) => wss.once("listening", resolve));
  const waiters: { predicate: (message: Message, socket: ScriptedSocket) => boolean; resolve: (hit: { message: Message; socket: ScriptedSocket }) => void }[] = [];
  const socketWaiters: ((socket: ScriptedSocket) => void)[] = [];
  const subscriptions = new Map<ScriptedSocket, Map<number, Subscription>>();
  const lastSent = new Map<ScriptedSocket, Map<number, string>>();
  const answers = new Map<string, Message>();
  let version = 1;

  const server: ScriptedServer = {
    url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    port: (wss.address() as AddressInfo).port,
    sockets: [],
    applied: [],
    counter: 0,
    onMutationApplied: undefined,
    answerPings: true,
    nextSocket: () => new Promise((resolve) => socketWaiters.push(resolve)),
    waitFor: (predicate) =>
      new Promise((resolve) => {
        for (const socket of server.sockets) {
          const message = socket.received.find((candidate) => predicate(candidate, socket));
          if (message !== undefined) return resolve({ message, socket });
        }
        waiters.push({ predicate, resolve });
      }),
    setCounter(value) {
      server.counter = value;
      version++;
      for (const socket of server.sockets) push(socket);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };

  function run(name: string, socket: ScriptedSocket): { value: unknown } | { error: { code: string; message: string; data?: unknown } } {
    if (name === "counter:get") return { value: server.counter };
    if (name === "whoami:get") return { value: socket.identity };
    if (name === "boom:get") return { error: { code: "APPLICATION_ERROR", message: "boom", data: { big: { $integer: "AQAAAAAAAAA=" } } } };
    return { error: { code: "NOT_FOUND", message: `no query ${name}` } };
  }

  /** Sends the socket's changed results in one transition (none when nothing changed). */
  function push(socket: ScriptedSocket, only?: number): void {
    const results: unknown[] = [];
    const sent = lastSent.get(socket)!;
    for (const subscription of subscriptions.get(socket)?.values() ?? []) {
      if (only !== undefined && subscription.queryId !== only) continue;
      const result = { queryId: subscription.queryId, ...run(subscription.name, socket) };
      const text = JSON.stringify(result);
      if (sent.get(subscription.queryId) === text) continue;
      sent.set(subscription.queryId, text);
      results.push(result);
    }
    if (results.length > 0) socket.send({ type: "transition", version: String(version), results });
  }

  wss.on("connection", (ws: WebSocket) => {
    let sessionId = "";
    const socket: ScriptedSocket = {
      received: [],
      identity: null,
      send: (message) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      },
      close: (code, reason) => ws.close(code, reason),
      terminate: () => ws.terminate(),
    };
    subscriptions.set(socket, new Map());
    lastSent.set(socket, new Map());
    ws.on("close", () => {
      subscriptions.delete(socket);
      server.sockets.splice(server.sockets.indexOf(socket), 1);
    });
    ws.on("message", (data: Buffer) => {
      const message = JSON.parse(data.toString()) as Message;
      socket.received.push(message);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(message, socket)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve({ message, socket });
        }
      }
      switch (message.type) {
        case "connect":
          sessionId = String(message.sessionId);
          server.sockets.push(socket);
          socket.send({ type: "connected", protocol: 1, version: String(version) });
          for (const resolve of socketWaiters.splice(0)) resolve(socket);
          return;
        case "authenticate": {
          const token = message.token as string | null;
          if (token !== null && !token.startsWith("user:")) {
            socket.close(4401, "UNAUTHENTICATED: token expired");
            return;
          }
          socket.identity = token === null ? null : token.slice("user:".length);
          socket.send({ type: "authenticated", identity: socket.identity === null ? null : { tokenIdentifier: `test|${socket.identity}`, subject: socket.identity, issuer: "test" } });
          push(socket);
          return;
        }
        case "subscribe": {
          const subs = subscriptions.get(socket)!;
          const queryId = message.queryId as number;
          if (subs.has(queryId)) {
            socket.close(4400, "duplicate queryId");
            return;
          }
          subs.set(queryId, { queryId, name: String(message.name) });
          push(socket, queryId);
          return;
        }
        case "unsubscribe":
          subscriptions.get(socket)!.delete(message.queryId as number);
          lastSent.get(socket)!.delete(message.queryId as number);
          return;
        case "query":
          socket.send({ type: "queryResult", requestId: message.requestId, ...run(String(message.name), socket) });
          return;
        case "mutation": {
          const key = `${sessionId}:${String(message.requestId)}`;
          const first = answers.get(key);
          if (first !== undefined) {
            push(socket);
            socket.send(first);
            return;
          }
          if (message.name !== "counter:add") {
            socket.send({ type: "mutationResult", requestId: message.requestId, error: { code: "NOT_FOUND", message: `no mutation ${String(message.name)}` } });
            return;
          }
          server.counter += (message.args as { by: number }).by;
          version++;
          server.applied.push(key);
          const answer = { type: "mutationResult", requestId: message.requestId, value: server.counter, version: String(version) };
          answers.set(key, answer);
          for (const other of server.sockets) push(other);
          if (server.onMutationApplied?.(socket, String(message.requestId)) === "hold") return;
          socket.send(answer);
          return;
        }
        case "ping":
          if (server.answerPings) socket.send({ type: "pong" });
          return;
        default:
          socket.close(4400, "unknown message type");
      }
    });
  });
  return server;
}

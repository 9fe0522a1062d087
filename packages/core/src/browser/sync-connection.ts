/*
 * One logical connection to `/api/sync` over a sequence of WebSockets: opens a socket, says
 * `connect`, keeps it alive with heartbeats, and when it drops opens the next one after a
 * jittered exponential backoff (at once when a browser tab becomes visible or goes online).
 * What is sent over each socket is the client's business (see convoy-client.ts).
 */
import { backoffDelay, type BackoffOptions } from "./backoff.js";
import { listenForResume } from "./browser-environment.js";
import { parseServerMessage, SYNC_PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from "./sync-protocol.js";
import { WEB_SOCKET_OPEN, type WebSocketConstructorLike, type WebSocketLike } from "./web-socket-like.js";

/**
 * Where the connection is: `connecting` (a socket is opening, or the server has not answered
 * `connect` yet), `connected`, `disconnected` (waiting to reconnect), `closed` (for good: closed
 * by the client, or a fatal close code).
 */
export type ConnectionPhase = "connecting" | "connected" | "disconnected" | "closed";

export interface SyncConnectionOptions {
  backoff?: BackoffOptions;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
}

export interface SyncConnectionEvents {
  /** A socket opened and `connect` was sent: send the rest of the handshake. */
  onOpen(generation: number): void;
  onMessage(message: ServerMessage): void;
  /** The socket closed without {@link SyncConnection.close}: reconnect, or stop for good. */
  onDrop(code: number, reason: string): "reconnect" | "stop";
  onStateChange(): void;
}

/** How long to wait for any answer to the ping sent when a tab comes back. */
const RESUME_CHECK_MS = 5_000;
/** Close code the client uses when it gives up on a silent socket. */
const CLIENT_HEARTBEAT_TIMEOUT = 4000;

export class SyncConnection {
  phase: ConnectionPhase = "connecting";
  /** Increments with every socket, so work begun for an old socket can tell it is stale. */
  generation = 0;
  connectionCount = 0;
  retries = 0;
  hasEverConnected = false;
  private socket: WebSocketLike | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private resumeTimer: ReturnType<typeof setTimeout> | undefined;
  private lastMessageAt = 0;
  private readonly removeBrowserListeners: () => void;

  constructor(
    private readonly url: string,
    private readonly sessionId: string,
    private readonly WebSocketClass: WebSocketConstructorLike,
    private readonly options: SyncConnectionOptions,
    private readonly events: SyncConnectionEvents,
  ) {
    this.removeBrowserListeners = listenForResume(() => this.resume());
    this.open();
  }

  /** Sends a message if a socket is open; `false` otherwise (the caller resends after the next open). */
  send(message: ClientMessage): boolean {
    const socket = this.socket;
    if (socket === null || socket.readyState !== WEB_SOCKET_OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  /** Closes the current socket (as if it dropped) and reconnects: after the backoff, or at once. */
  drop(code: number, reason: string, immediately = false): void {
    if (this.socket === null) return;
    this.closeSocket(code, reason);
    this.afterDrop(code, reason);
    if (immediately && this.phase === "disconnected") {
      clearTimeout(this.retryTimer);
      this.open();
    }
  }

  /** Closes for good; resolves once the socket has closed (or after a second). */
  close(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    this.stop();
    this.phase = "closed";
    this.events.onStateChange();
    if (socket === null) return Promise.resolve();
    this.detach(socket);
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000);
      socket.onclose = () => {
        clearTimeout(timer);
        resolve();
      };
      socket.close(1000, "client closed");
    });
  }

  private stop(): void {
    clearTimeout(this.retryTimer);
    clearTimeout(this.resumeTimer);
    clearInterval(this.heartbeatTimer);
    this.removeBrowserListeners();
  }

  private open(): void {
    this.retryTimer = undefined;
    this.generation++;
    this.phase = "connecting";
    this.events.onStateChange();
    let socket: WebSocketLike;
    try {
      socket = new this.WebSocketClass(this.url);
    } catch {
      this.afterDrop(1006, "the WebSocket could not be created");
      return;
    }
    this.socket = socket;
    const generation = this.generation;
    socket.onopen = () => {
      if (generation !== this.generation) return;
      this.connectionCount++;
      this.lastMessageAt = Date.now();
      this.startHeartbeat();
      this.send({ type: "connect", protocol: SYNC_PROTOCOL_VERSION, sessionId: this.sessionId });
      this.events.onOpen(generation);
    };
    socket.onmessage = (event) => {
      if (generation !== this.generation || typeof event.data !== "string") return;
      this.lastMessageAt = Date.now();
      const message = parseServerMessage(event.data);
      if (message === null) return;
      if (message.type === "connected") {
        this.phase = "connected";
        this.hasEverConnected = true;
        this.events.onStateChange();
      } else if (this.retries > 0) {
        // The session works (more than an accepted socket): the next drop starts the backoff over.
        this.retries = 0;
        this.events.onStateChange();
      }
      this.events.onMessage(message);
    };
    socket.onclose = (event) => {
      if (generation !== this.generation || this.socket !== socket) return;
      this.detach(socket);
      this.socket = null;
      this.afterDrop(event.code, event.reason);
    };
    socket.onerror = () => undefined; // a close event follows
  }

  private afterDrop(code: number, reason: string): void {
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.resumeTimer);
    if (this.phase === "closed") return;
    if (this.events.onDrop(code, reason) === "stop") {
      this.stop();
      this.phase = "closed";
      this.events.onStateChange();
      return;
    }
    this.phase = "disconnected";
    const delay = backoffDelay(this.retries, this.options.backoff);
    this.retries++;
    this.events.onStateChange();
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private startHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastMessageAt > this.options.heartbeatTimeoutMs) this.drop(CLIENT_HEARTBEAT_TIMEOUT, "heartbeat timeout");
      else this.send({ type: "ping" });
    }, this.options.heartbeatIntervalMs);
  }

  /** A tab came back or the network returned: reconnect now, or check that the socket still answers. */
  private resume(): void {
    if (this.phase === "closed") return;
    if (this.phase === "disconnected") {
      clearTimeout(this.retryTimer);
      this.open();
      return;
    }
    if (this.socket === null || this.socket.readyState !== WEB_SOCKET_OPEN) return;
    const sentAt = Date.now();
    this.send({ type: "ping" });
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => {
      if (this.lastMessageAt < sentAt) this.drop(CLIENT_HEARTBEAT_TIMEOUT, "no answer after resuming", true);
    }, RESUME_CHECK_MS);
  }

  private closeSocket(code: number, reason: string): void {
    const socket = this.socket!;
    this.socket = null;
    this.detach(socket);
    try {
      socket.close(code === 1000 || (code >= 3000 && code < 5000) ? code : 1000, reason);
    } catch {
      // already closing
    }
  }

  private detach(socket: WebSocketLike): void {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = () => undefined;
  }
}

import type { BackoffOptions } from "./backoff.js";
import type { ConvoyRequestError } from "./request-error.js";
import type { ConnectionPhase } from "./sync-connection.js";
import type { WebSocketConstructorLike } from "./web-socket-like.js";

/**
 * Returns the current auth token, or `null` when signed out. `forceRefreshToken` is `true` when
 * the server refused the last token (expired): fetch a fresh one. A `() => token` fits too.
 */
export type ClientAuthTokenFetcher = (args: { forceRefreshToken: boolean }) => string | null | undefined | Promise<string | null | undefined>;

/** Options of {@link ConvoyClient}. */
export interface ConvoyClientOptions {
  /**
   * The WebSocket class (default `globalThis.WebSocket`). Node 20 has none: pass `ws`'s.
   *
   * @example
   * import WebSocket from "ws";
   * new ConvoyClient("http://localhost:3700", { webSocketConstructor: WebSocket });
   */
  webSocketConstructor?: WebSocketConstructorLike;
  /** Delays between reconnect attempts: exponential with jitter, from `initialMs` (100) to `maxMs` (10 000). */
  reconnectBackoff?: BackoffOptions;
  /** How often the client pings the server (default 15 000 ms). */
  heartbeatIntervalMs?: number;
  /** Silence after which the socket is considered dead and replaced (default 45 000 ms). */
  heartbeatTimeoutMs?: number;
  /** In a browser: ask before leaving the page while a mutation is unanswered (default `true`). */
  unsavedChangesWarning?: boolean;
}

/** What {@link ConvoyClient.connectionState} returns (Convex's `ConnectionState`, plus `phase` and `error`). */
export interface ConnectionState {
  /** `connecting`, `connected`, `disconnected` (waiting to reconnect) or `closed`. */
  phase: ConnectionPhase;
  /** The server has accepted the current socket (`connected`). */
  isWebSocketConnected: boolean;
  hasEverConnected: boolean;
  /** Sockets opened so far. */
  connectionCount: number;
  /** Failed attempts since the session last worked. */
  connectionRetries: number;
  hasInflightRequests: boolean;
  timeOfOldestInflightRequest: Date | null;
  inflightMutations: number;
  inflightQueries: number;
  /** Why the client stopped for good after a fatal close code (4400, 4429); the client is closed. */
  error: ConvoyRequestError | null;
}

/**
 * What {@link ConvoyClient.onUpdate} returns: call it to unsubscribe (also as `.unsubscribe()`);
 * `getCurrentValue()` gives the latest result, `undefined` until the first.
 */
export interface Unsubscribe<TValue> {
  (): void;
  unsubscribe(): void;
  getCurrentValue(): TValue | undefined;
}

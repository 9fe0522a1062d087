import { ERROR_CODES } from "../errors/error-codes.js";
import { getFunctionName, type FunctionArgs, type FunctionReference, type FunctionReturnType, type OptionalRestArgs } from "../functions/function-reference.js";
import { decodeValue, encodeValue } from "../values/encoding.js";
import type { JSONValue, Value } from "../values/value.js";
import type { ClientAuthTokenFetcher, ConnectionState, ConvoyClientOptions, Unsubscribe } from "./convoy-client-types.js";
import { ConvoyRequestError } from "./request-error.js";
import { SyncConnection } from "./sync-connection.js";
import { guardUnload, randomUuid } from "./browser-environment.js";
import { CLOSE_CODES, MAX_CLIENT_FRAME_BYTES, type ClientMessage, type RequestMessage, type ServerMessage } from "./sync-protocol.js";
import { httpAddressOf, syncUrl } from "./sync-url.js";
import { ConvoyHttpClient } from "./http-client.js";
import { toRequestError } from "./wire-error.js";
import type { WebSocketConstructorLike } from "./web-socket-like.js";

interface Listener {
  onResult(value: Value): void;
  onError: ((error: ConvoyRequestError) => void) | undefined;
}

/** One server subscription, shared by every identical `onUpdate` of this client. */
interface LiveQuery {
  queryId: number;
  key: string;
  message: Extract<ClientMessage, { type: "subscribe" }>;
  listeners: Set<Listener>;
  result: { value: Value } | { error: ConvoyRequestError } | undefined;
  /** The socket generation it was last sent on. */
  sentOn: number;
}

interface PendingRequest {
  message: RequestMessage;
  resolve(value: Value): void;
  reject(error: ConvoyRequestError): void;
  startedAt: number;
  sentOn: number;
}

/** The server allows 64 unanswered requests per socket; more wait in the client. */
const MAX_INFLIGHT_REQUESTS = 64;

/**
 * Convoy's live client (Convex's `ConvexClient` shape): subscriptions that receive every change
 * of a query's result, plus queries and mutations, over one WebSocket at `/api/sync`. It
 * reconnects by itself (exponential backoff with jitter; at once when a tab becomes visible or
 * the network returns), resubscribes, and resends unanswered mutations with their request ids,
 * so each is applied once. A mutation resolves only once this client's subscriptions show its
 * writes.
 *
 * @example
 * const client = new ConvoyClient("http://localhost:3700");
 * const stop = client.onUpdate(api.messages.list, { channel: "general" }, (messages) => render(messages));
 * await client.mutation(api.messages.send, { channel: "general", body: "hi" }); // render() already ran
 * stop();
 * await client.close();
 */
export class ConvoyClient {
  /** The WebSocket URL: `ws(s)://<host>/api/sync`. */
  readonly url: string;
  private readonly connection: SyncConnection;
  private readonly queries = new Map<string, LiveQuery>();
  private readonly queriesById = new Map<number, LiveQuery>();
  private readonly requests = new Map<string, PendingRequest>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private nextQueryId = 1;
  private nextRequestId = 1;
  /** The socket generation whose handshake is complete (messages may flow); 0 while none. */
  private readyOn = 0;
  private inflightOnSocket = 0;
  private auth: { fetchToken: ClientAuthTokenFetcher; onChange: ((isAuthenticated: boolean) => void) | undefined; reported?: boolean } | undefined;
  private authVersion = 0;
  /** The server refused the last token: the next one is fetched with `forceRefreshToken`. */
  private forceRefresh = false;
  /** Consecutive refusals; at two the client goes on signed out. */
  private authRefusals = 0;
  private fatalError: ConvoyRequestError | null = null;
  private readonly removeUnloadGuard: () => void;
  /** Sends actions (made on first use). */
  private actionClient: ConvoyHttpClient | undefined;

  /**
   * @param address The server's URL (`http(s)://…`, or `ws(s)://…`); the socket is at `/api/sync`.
   */
  constructor(address: string, options: ConvoyClientOptions = {}) {
    this.url = syncUrl(address);
    const WebSocketClass = options.webSocketConstructor ?? (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
    if (WebSocketClass === undefined) {
      throw new Error('this runtime has no global WebSocket (Node 20): pass one, e.g. new ConvoyClient(url, { webSocketConstructor: WebSocket }) with WebSocket from "ws"');
    }
    this.removeUnloadGuard = options.unsavedChangesWarning === false ? () => undefined : guardUnload(() => this.inflightMutationCount() > 0);
    this.connection = new SyncConnection(
      this.url,
      randomUuid(),
      WebSocketClass,
      { heartbeatIntervalMs: options.heartbeatIntervalMs ?? 15_000, heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 45_000, ...(options.reconnectBackoff ? { backoff: options.reconnectBackoff } : {}) },
      {
        onOpen: (generation) => this.handshake(generation),
        onMessage: (message) => this.receive(message),
        onDrop: (code, reason) => this.dropped(code, reason),
        onStateChange: () => this.emitState(),
      },
    );
  }

  /**
   * Subscribes to a query: `onResult` gets its result as soon as it is known, then after every
   * change (`onError` when the query fails; it stays subscribed and may succeed later). Identical
   * subscriptions of this client share one on the server.
   *
   * @example
   * const stop = client.onUpdate(api.messages.list, { channel: "general" }, (messages) => render(messages), (error) => show(error.code));
   * stop();
   */
  onUpdate<TReference extends FunctionReference<"query">>(
    reference: TReference,
    args: FunctionArgs<TReference>,
    onResult: (result: FunctionReturnType<TReference>) => void,
    onError?: (error: ConvoyRequestError) => void,
  ): Unsubscribe<FunctionReturnType<TReference>> {
    const name = getFunctionName(reference);
    const encoded = encodeArgs(name, args);
    const key = `${name}\u0000${JSON.stringify(encoded)}`;
    const listener: Listener = { onResult, onError };
    let query = this.queries.get(key);
    if (query === undefined) {
      const queryId = this.nextQueryId++;
      query = { queryId, key, message: { type: "subscribe", queryId, name, args: encoded }, listeners: new Set(), result: undefined, sentOn: 0 };
      this.queries.set(key, query);
      this.queriesById.set(queryId, query);
      this.flush();
    } else if (query.result !== undefined) {
      const known = query.result;
      queueMicrotask(() => {
        if (query?.listeners.has(listener) === true && query.result === known) deliver(listener, known);
      });
    }
    query.listeners.add(listener);
    if (this.fatalError !== null) {
      const error = this.fatalError;
      queueMicrotask(() => listener.onError?.(error));
    }
    const subscribed = query;
    const unsubscribe = () => {
      if (!subscribed.listeners.delete(listener) || subscribed.listeners.size > 0) return;
      this.queries.delete(subscribed.key);
      this.queriesById.delete(subscribed.queryId);
      if (subscribed.sentOn === this.connection.generation) this.connection.send({ type: "unsubscribe", queryId: subscribed.queryId });
    };
    return Object.assign(unsubscribe, {
      unsubscribe,
      getCurrentValue: () => (subscribed.result !== undefined && "value" in subscribed.result ? (subscribed.result.value as FunctionReturnType<TReference>) : undefined),
    });
  }

  /**
   * Runs a query once. When this client already subscribes to the same query and has its
   * result, that result is returned without a round trip.
   *
   * @example
   * const messages = await client.query(api.messages.list, { channel: "general" });
   */
  async query<TReference extends FunctionReference<"query">>(reference: TReference, ...rest: OptionalRestArgs<TReference>): Promise<FunctionReturnType<TReference>> {
    const name = getFunctionName(reference);
    const encoded = encodeArgs(name, rest[0] ?? {});
    const live = this.queries.get(`${name}\u0000${JSON.stringify(encoded)}`)?.result;
    if (live !== undefined) {
      if ("error" in live) throw live.error;
      return live.value;
    }
    return (await this.request({ type: "query", requestId: "", name, args: encoded }));
  }

  /**
   * Runs a mutation. Resolves with its result once this client's subscriptions show its writes;
   * rejects with a {@link ConvoyRequestError}. If the connection drops first, it is sent again
   * with the same request id after reconnecting, and the server applies it once.
   *
   * @example
   * const id = await client.mutation(api.messages.send, { channel: "general", body: "hi" });
   */
  async mutation<TReference extends FunctionReference<"mutation">>(reference: TReference, ...rest: OptionalRestArgs<TReference>): Promise<FunctionReturnType<TReference>> {
    const name = getFunctionName(reference);
    return (await this.request({ type: "mutation", requestId: "", name, args: encodeArgs(name, rest[0] ?? {}) }));
  }

  /**
   * Runs an action over HTTP (`POST /api/action/<name>` on the same server), with this client's
   * token. Never sent twice: an action may have side effects.
   *
   * @example
   * const receipt = await client.action(api.payments.charge, { amount: 42 });
   */
  async action<TReference extends FunctionReference<"action">>(reference: TReference, ...rest: OptionalRestArgs<TReference>): Promise<FunctionReturnType<TReference>> {
    if (this.actionClient === undefined) {
      const client = new ConvoyHttpClient(httpAddressOf(this.url), { timeoutMs: 600_000 });
      client.setAuth(async () => (this.auth === undefined ? null : ((await this.auth.fetchToken({ forceRefreshToken: false })) ?? null)));
      this.actionClient = client;
    }
    const args = (rest[0] ?? {}) as FunctionArgs<TReference>;
    return this.actionClient.action(reference as FunctionReference<"action">, args) as Promise<FunctionReturnType<TReference>>;
  }

  /**
   * Signs in: the fetcher's token identifies this client from now on (and after reconnects); the
   * server re-runs the client's subscriptions under the new identity. When the server refuses a
   * token (e.g. expired), the fetcher is called with `forceRefreshToken: true` and the client
   * reconnects; if the fresh token is refused too, the client goes on signed out.
   * `onChange(isAuthenticated)` reports what the server accepted.
   *
   * @example
   * client.setAuth(async () => (await fetch("/token")).text(), (signedIn) => setSignedIn(signedIn));
   */
  setAuth(fetchToken: ClientAuthTokenFetcher, onChange?: (isAuthenticated: boolean) => void): void {
    this.auth = { fetchToken, onChange };
    this.authVersion++;
    this.authRefusals = 0;
    this.forceRefresh = false;
    this.reauthenticate();
  }

  /** Signs out: the client's subscriptions re-run without an identity. */
  clearAuth(): void {
    const onChange = this.auth?.onChange;
    this.auth = undefined;
    this.authVersion++;
    this.reauthenticate();
    onChange?.(false);
  }

  /** The connection's state now (see {@link subscribeToConnectionState} for changes). */
  connectionState(): ConnectionState {
    let inflightMutations = 0;
    let inflightQueries = 0;
    let oldest: number | null = null;
    for (const request of this.requests.values()) {
      if (request.message.type === "mutation") inflightMutations++;
      else inflightQueries++;
      if (oldest === null || request.startedAt < oldest) oldest = request.startedAt;
    }
    return {
      phase: this.connection.phase,
      isWebSocketConnected: this.connection.phase === "connected",
      hasEverConnected: this.connection.hasEverConnected,
      connectionCount: this.connection.connectionCount,
      connectionRetries: this.connection.retries,
      hasInflightRequests: this.requests.size > 0,
      timeOfOldestInflightRequest: oldest === null ? null : new Date(oldest),
      inflightMutations,
      inflightQueries,
      error: this.fatalError,
    };
  }

  /**
   * Calls `listener` with the new state whenever it changes; returns a function that stops it.
   *
   * @example
   * const stop = client.subscribeToConnectionState((state) => setOnline(state.isWebSocketConnected));
   */
  subscribeToConnectionState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => {
      this.stateListeners.delete(listener);
    };
  }

  /**
   * Closes the connection for good. Unanswered queries and mutations reject with `ABORTED` (a
   * mutation may still have been applied).
   */
  async close(): Promise<void> {
    this.removeUnloadGuard();
    const closing = this.connection.close();
    this.failAll(new ConvoyRequestError("ABORTED", "the client was closed", 0), false);
    this.queries.clear();
    this.queriesById.clear();
    await closing;
  }

  private request(message: RequestMessage): Promise<Value> {
    if (this.connection.phase === "closed") {
      return Promise.reject(this.fatalError ?? new ConvoyRequestError("ABORTED", "the client is closed", 0));
    }
    message.requestId = String(this.nextRequestId++);
    if (frameTooLarge(message)) {
      return Promise.reject(new ConvoyRequestError("PAYLOAD_TOO_LARGE", `the arguments of ${message.name} are larger than the server accepts (1 MiB)`, ERROR_CODES.PAYLOAD_TOO_LARGE));
    }
    return new Promise<Value>((resolve, reject) => {
      this.requests.set(message.requestId, { message, resolve, reject, startedAt: Date.now(), sentOn: 0 });
      this.flush();
      this.emitState();
    });
  }

  /** After `connect` on a new socket: identity first, then every subscription and unanswered request. */
  private handshake(generation: number): void {
    this.inflightOnSocket = 0;
    void this.sendIdentity(generation);
  }

  /** A new `setAuth`/`clearAuth`: send the identity on the open socket (a handshake in progress picks it up itself). */
  private reauthenticate(): void {
    if (this.readyOn !== 0) void this.sendIdentity(this.readyOn);
  }

  /**
   * Sends the current identity on socket `generation`, holding other traffic until it is sent (so
   * nothing runs under the previous identity), then sends what waited.
   */
  private async sendIdentity(generation: number): Promise<void> {
    this.readyOn = 0;
    for (;;) {
      const version = this.authVersion;
      const token = this.auth === undefined && version === 0 ? undefined : await this.currentToken();
      if (generation !== this.connection.generation) return;
      if (version !== this.authVersion) continue;
      if (token !== undefined) this.connection.send({ type: "authenticate", token });
      break;
    }
    this.readyOn = generation;
    this.flush();
  }

  private async currentToken(): Promise<string | null> {
    const auth = this.auth;
    if (auth === undefined || this.authRefusals >= 2) return null;
    const forceRefreshToken = this.forceRefresh;
    this.forceRefresh = false;
    try {
      return (await auth.fetchToken({ forceRefreshToken })) ?? null;
    } catch (error) {
      console.error("ConvoyClient: the auth token fetcher failed; continuing signed out", error);
      return null;
    }
  }

  /** Sends what the current socket has not seen yet: subscriptions, then requests (at most 64 unanswered). */
  private flush(): void {
    const generation = this.readyOn;
    if (generation === 0 || generation !== this.connection.generation) return;
    for (const query of this.queries.values()) {
      if (query.sentOn === generation) continue;
      if (!this.connection.send(query.message)) return;
      query.sentOn = generation;
    }
    for (const request of this.requests.values()) {
      if (this.inflightOnSocket >= MAX_INFLIGHT_REQUESTS) return;
      if (request.sentOn === generation) continue;
      if (!this.connection.send(request.message)) return;
      request.sentOn = generation;
      this.inflightOnSocket++;
    }
  }

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case "transition": {
        // Apply every result first, then notify: listeners see one consistent snapshot.
        const changed: LiveQuery[] = [];
        for (const result of message.results) {
          const query = this.queriesById.get(result.queryId);
          if (query === undefined) continue;
          query.result = "error" in result ? { error: toRequestError(result.error) } : { value: decodeValue(result.value) };
          changed.push(query);
        }
        for (const query of changed) {
          const result = query.result!;
          for (const listener of [...query.listeners]) deliver(listener, result);
        }
        return;
      }
      case "mutationResult":
      case "queryResult": {
        const request = this.requests.get(message.requestId);
        if (request === undefined) return;
        this.requests.delete(message.requestId);
        if (request.sentOn === this.connection.generation) this.inflightOnSocket--;
        if (message.error !== undefined) request.reject(toRequestError(message.error));
        else request.resolve(decodeValue(message.value ?? null));
        this.flush();
        this.emitState();
        return;
      }
      case "authenticated": {
        if (message.identity !== null) this.authRefusals = 0;
        this.reportAuth(message.identity !== null);
        return;
      }
      default:
        return;
    }
  }

  private dropped(code: number, reason: string): "reconnect" | "stop" {
    this.readyOn = 0;
    if (code === CLOSE_CODES.protocolViolation || code === CLOSE_CODES.limitExceeded) {
      const what = code === CLOSE_CODES.limitExceeded ? "a per-connection limit was exceeded" : "the server refused a message";
      this.fatalError = new ConvoyRequestError("BAD_REQUEST", `the server closed the connection (${code}): ${what}${reason ? `: ${reason}` : ""}`, 0, {
        data: { closeCode: code, reason },
      });
      this.failAll(this.fatalError, true);
      return "stop";
    }
    if (code === CLOSE_CODES.unauthenticated) {
      this.forceRefresh = true;
      this.authRefusals++;
      if (this.authRefusals >= 2) this.reportAuth(false);
    }
    return "reconnect";
  }

  /** Tells the `setAuth` caller whether the server accepted its identity, once per change. */
  private reportAuth(isAuthenticated: boolean): void {
    const auth = this.auth;
    if (auth === undefined || auth.reported === isAuthenticated) return;
    auth.reported = isAuthenticated;
    auth.onChange?.(isAuthenticated);
  }

  /** Rejects every unanswered request with `error`; with `notify`, tells every subscription too. */
  private failAll(error: ConvoyRequestError, notify: boolean): void {
    const requests = [...this.requests.values()];
    this.requests.clear();
    for (const request of requests) request.reject(error);
    if (notify) for (const query of this.queries.values()) for (const listener of [...query.listeners]) listener.onError?.(error);
    this.emitState();
  }

  private inflightMutationCount(): number {
    let count = 0;
    for (const request of this.requests.values()) if (request.message.type === "mutation") count++;
    return count;
  }

  private emitState(): void {
    if (this.stateListeners.size === 0 || this.connection === undefined) return;
    const state = this.connectionState();
    for (const listener of [...this.stateListeners]) listener(state);
  }
}

function encodeArgs(name: string, args: unknown): JSONValue {
  try {
    return encodeValue(args as Value);
  } catch (error) {
    throw new ConvoyRequestError("BAD_REQUEST", `the arguments of ${name} cannot be sent: ${error instanceof Error ? error.message : String(error)}`, 0, { cause: error });
  }
}

function frameTooLarge(message: RequestMessage): boolean {
  const text = JSON.stringify(message);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: count exactly only when it could matter.
  return text.length * 3 > MAX_CLIENT_FRAME_BYTES && new TextEncoder().encode(text).length > MAX_CLIENT_FRAME_BYTES;
}

function deliver(listener: Listener, result: { value: Value } | { error: ConvoyRequestError }): void {
  try {
    if ("value" in result) listener.onResult(result.value);
    else listener.onError?.(result.error);
  } catch (error) {
    // One listener's bug must not stop the others, nor the client.
    console.error("ConvoyClient: an onUpdate callback threw", error);
  }
}


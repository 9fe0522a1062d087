/* The part of the WebSocket API the client uses: the browser's, Node 22's and the `ws` package's all fit. */

/** A handler type compared bivariantly, so sockets whose events carry more fields still fit. */
type EventHandler<TEvent> = { bivarianceHack(event: TEvent): void }["bivarianceHack"];

/** A WebSocket, as far as {@link ConvoyClient} uses it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: EventHandler<unknown> | null;
  onmessage: EventHandler<{ data: unknown }> | null;
  onclose: EventHandler<{ code: number; reason: string }> | null;
  onerror: EventHandler<unknown> | null;
}

/**
 * A WebSocket class: `globalThis.WebSocket` in browsers and Node 22+, `WebSocket` from the `ws`
 * package on Node 20.
 */
export type WebSocketConstructorLike = new (url: string) => WebSocketLike;

/** `readyState` of an open socket. */
export const WEB_SOCKET_OPEN = 1;

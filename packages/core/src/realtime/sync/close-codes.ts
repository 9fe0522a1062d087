/** WebSocket close codes of the sync protocol (see docs/realtime.md). */
export const CLOSE = {
  /** The server is shutting down: reconnect. */
  goingAway: 1001,
  /** A frame over the size limit: reconnect (ws closes with it itself). */
  tooLarge: 1009,
  /** An internal error: reconnect. */
  internal: 1011,
  /** Malformed message or protocol violation: do not reconnect automatically. */
  protocol: 4400,
  /** The token was refused: fetch a fresh one, then reconnect. */
  unauthenticated: 4401,
  /** No ping/pong for the heartbeat timeout: reconnect. */
  heartbeat: 4408,
  /** A per-socket limit (subscriptions, requests in flight). */
  limit: 4429,
} as const;

/** A close reason within WebSocket's 123-byte limit. */
export function closeReason(reason: string): string {
  let text = reason;
  while (Buffer.byteLength(text) > 123) text = text.slice(0, -2);
  return text;
}

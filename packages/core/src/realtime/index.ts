/**
 * The subscription engine (live queries), independent of the wire, and the `/api/sync`
 * WebSocket adapter over it. See docs/realtime.md.
 *
 * @example
 * const engine = new RealtimeEngine({ runtime }); // publishes the runtime's commits
 * const server = createServer({ runtime, realtime: { engine, runtime } });
 */
export { RealtimeEngine, type RealtimeEngineOptions, type RealtimeStats } from "./realtime-engine.js";
export { EngineClient, type ClientSink, type Transition, type TransitionResult } from "./engine-client.js";
export type { OutcomeSerializer, QueryOutcome } from "./query-outcome.js";
export { attachSync, type SyncEndpoint, type SyncServerOptions } from "./sync/sync-server.js";
export type { SyncLimits } from "./sync/sync-options.js";
export { outcomeSerializer } from "./sync/serialize-outcome.js";
export { CLOSE as SYNC_CLOSE_CODES } from "./sync/close-codes.js";

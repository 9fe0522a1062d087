import { TcpProxy } from "./tcp-proxy.js";

/**
 * A TCP proxy to Postgres that counts round trips: the frontend messages after which the
 * client waits for the server's `ReadyForQuery` — `Sync` ('S', ending an extended-protocol
 * batch) and `Query` ('Q', a simple query). Everything is passed on unchanged.
 */
export class RoundTripProxy extends TcpProxy {
  /** Round trips sent through the proxy since the last {@link reset}. */
  roundTrips = 0;

  constructor(target: { host: string; port: number }) {
    const parsers = new WeakMap<object, { buffered: Buffer; started: boolean }>();
    super(target, {
      fromClient: (chunk, link) => {
        const state = parsers.get(link) ?? { buffered: Buffer.alloc(0), started: false };
        parsers.set(link, state);
        state.buffered = Buffer.concat([state.buffered, chunk]);
        for (;;) {
          // the startup message has no type byte: int32 length (itself included), then the body
          const header = state.started ? 5 : 4;
          if (state.buffered.length < header) break;
          const length = state.buffered.readUInt32BE(state.started ? 1 : 0) + (state.started ? 1 : 0);
          if (state.buffered.length < length) break;
          if (state.started && (state.buffered[0] === 0x53 || state.buffered[0] === 0x51)) this.roundTrips++;
          state.started = true;
          state.buffered = state.buffered.subarray(length);
        }
        return true;
      },
    });
  }

  reset(): void {
    this.roundTrips = 0;
  }
}

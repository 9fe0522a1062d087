import type { UserIdentity } from "../functions/context.js";
import type { Value } from "../values/value.js";
import type { RealtimeEngine } from "./realtime-engine.js";
import type { Subscription } from "./subscription.js";

/** One changed result in a {@link Transition}: the client's query id and the result's wire text. */
export interface TransitionResult {
  queryId: number;
  text: string;
}

/** Every changed result of one client, computed at one snapshot; `version` strictly increases per client. */
export interface Transition {
  version: number;
  results: TransitionResult[];
}

/** Where the engine delivers a client's transitions (a socket, in the sync protocol). Must not throw. */
export interface ClientSink {
  transition(transition: Transition): void;
}

/**
 * One client of the engine (a socket): its identity and its live queries by the ids it chose.
 * Protocol-free: `/api/sync` is one adapter over it.
 *
 * @example
 * const client = engine.connect({ transition: (t) => socket.send(frameOf(t)) }, identity);
 * client.subscribe(1, "messages:list", { channel: "general" });
 */
export class EngineClient {
  readonly subscriptions = new Map<number, Subscription>();
  closed = false;

  constructor(
    private readonly engine: RealtimeEngine,
    readonly sink: ClientSink,
    public identity: UserIdentity | null,
  ) {}

  /** Start a live query; its first result arrives in a transition. `false` when `queryId` is taken. */
  subscribe(queryId: number, name: string, args: Record<string, Value>): boolean {
    return this.engine.subscribe(this, queryId, name, args);
  }

  /** Stop a live query; `false` when there was none with that id. */
  unsubscribe(queryId: number): boolean {
    return this.engine.unsubscribe(this, queryId);
  }

  /** Run the client's queries under a new identity (results that change are pushed). */
  setIdentity(identity: UserIdentity | null): void {
    this.engine.setIdentity(this, identity);
  }

  /**
   * Resolves once every commit up to `version` is reflected in what this client was sent
   * (read your writes: answer a mutation after this).
   */
  synced(version: number): Promise<void> {
    return this.engine.synced(version, this);
  }

  /** Drop every subscription. */
  close(): void {
    this.engine.disconnect(this);
  }
}

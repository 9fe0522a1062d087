import type { EngineClient } from "./engine-client.js";
import type { QueryGroup } from "./query-group.js";

/** One client's live query: its id chosen by the client, its group, and the text last sent to it. */
export interface Subscription {
  readonly client: EngineClient;
  readonly queryId: number;
  group: QueryGroup;
  /** The wire text of the last result sent (`undefined`: none yet). */
  sentText: string | undefined;
}

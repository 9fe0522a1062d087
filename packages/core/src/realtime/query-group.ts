import type { UserIdentity } from "../functions/context.js";
import type { ReadRecord } from "../reactivity/records.js";
import type { Value } from "../values/value.js";
import type { QueryOutcome } from "./query-outcome.js";
import type { Subscription } from "./subscription.js";

/**
 * The subscriptions of one `(name, args, identity)`: one run per change, one serialised result
 * shared by every member.
 */
export class QueryGroup {
  readonly members = new Set<Subscription>();
  /** The last run's result and its wire text (`undefined` before the first run). */
  outcome: QueryOutcome | undefined = undefined;
  text: string | undefined = undefined;
  /** What the last run read (registered in the subscription index). */
  reads: readonly ReadRecord[] = [];

  constructor(
    readonly key: string,
    readonly name: string,
    readonly args: Record<string, Value>,
    readonly identity: UserIdentity | null,
    readonly identityKey: string,
  ) {}
}

/** The key of a group: the name, the encoded args and the identity. */
export function groupKey(name: string, argsText: string, identityKey: string): string {
  return `${name}\u0000${argsText}\u0000${identityKey}`;
}

/** A stable text of an identity (`""` when anonymous). */
export function identityKeyOf(identity: UserIdentity | null): string {
  return identity === null ? "" : JSON.stringify(identity);
}

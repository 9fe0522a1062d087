import type { UserIdentity } from "../functions/context.js";
import type { ReadRecord } from "../reactivity/records.js";
import type { Value } from "../values/value.js";
import type { Subscription } from "./subscription.js";

/**
 * The subscriptions of one `(name, args, identity)`: one run per change, one serialised result
 * shared by every member.
 */
export class QueryGroup {
  readonly members = new Set<Subscription>();
  /** The last run's wire text (`undefined` before the first run); the value itself is not kept. */
  text: string | undefined = undefined;
  /** Whether the last run failed (the next one goes straight to a transaction, for its read set). */
  failed = false;
  /** What the last run read, as plain records (registered in the subscription index). */
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

/** Copies of a run's read records (their keys only), owned by a live group for as long as it is subscribed. */
export function plainReads(reads: readonly ReadRecord[]): ReadRecord[] {
  return reads.map((read) =>
    read.kind === "get" ? { kind: "get", table: read.table, id: read.id } : { kind: "range", table: read.table, index: read.index, lower: read.lower, upper: read.upper },
  );
}

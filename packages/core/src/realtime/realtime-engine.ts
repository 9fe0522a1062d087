import type { UserIdentity } from "../functions/context.js";
import { overlapsAny } from "../reactivity/overlap.js";
import type { WriteRecord } from "../reactivity/records.js";
import { SubscriptionIndex } from "../reactivity/subscription-index.js";
import { writeSetOf, type WriteSet } from "../reactivity/write-set.js";
import type { Runtime } from "../runtime/runtime.js";
import type { Value } from "../values/value.js";
import { runBatch } from "./batch-runner.js";
import { CommitLog } from "./commit-log.js";
import { EngineClient, type ClientSink, type TransitionResult } from "./engine-client.js";
import { QueryGroup, groupKey, identityKeyOf, plainReads } from "./query-group.js";
import type { OutcomeSerializer } from "./query-outcome.js";
import type { Subscription } from "./subscription.js";
import { outcomeSerializer } from "./sync/serialize-outcome.js";

/** Counters the engine reports (metrics). */
export interface RealtimeStats {
  /** Query runs caused by invalidation (a committed write touched what the query read). */
  reruns: number;
  /** Runs of new subscriptions (first results). */
  firstRuns: number;
  /** Transitions delivered to clients. */
  pushes: number;
  /** Commits published. */
  commits: number;
}

/** Options of {@link RealtimeEngine}. */
export interface RealtimeEngineOptions {
  /**
   * The runtime the live queries run on. A `Runtime` is watched (its `onCommit` publishes to
   * this engine); a function (`convoy dev` swaps runtimes) leaves wiring `publish` to the caller.
   */
  runtime: Runtime | (() => Runtime);
  /** The wire text of a result (compared to decide whether it changed, shared by every subscriber). Default: the sync protocol's. */
  serialize?: OutcomeSerializer;
  /** Most commits kept to check first runs against (default 4096; older ones count as "anything changed"). */
  commitLogSize?: number;
  /** Identities whose groups run in parallel per cycle, each in its own transaction (default 4). */
  parallelism?: number;
  /** Called with the name of each query re-run by an invalidation (metrics). */
  onRerun?: (name: string) => void;
  /** Where unexpected engine failures go (default `console.error`). */
  onError?: (error: unknown) => void;
}

/**
 * The subscription engine, independent of any wire protocol. Live queries are grouped by
 * `(name, args, identity)`; each group's read set sits in a {@link SubscriptionIndex}. Every
 * committed mutation is {@link publish}ed with a new version; the groups whose reads its writes
 * touch become dirty. A cycle takes a version `s`, runs every dirty group at one snapshot per
 * identity (taken after `s`), re-checks the commits logged after `s` against the new read sets
 * (re-running on overlap: no update lost between subscribing and the first result), and
 * delivers to each client, as one transition at version `s`, the results whose wire text changed.
 *
 * Versions count commits and cycles, starting at the start time in microseconds, so they keep
 * increasing across a server restart.
 */
export class RealtimeEngine {
  /** The last version handed out (commits and cycles). */
  version = Date.now() * 1000;
  readonly stats: RealtimeStats = { reruns: 0, firstRuns: 0, pushes: 0, commits: 0 };
  private readonly log: CommitLog;
  private readonly index = new SubscriptionIndex<QueryGroup>();
  private readonly groups = new Map<string, QueryGroup>();
  private readonly clients = new Set<EngineClient>();
  private dirty = new Set<QueryGroup>();
  private touched = new Set<EngineClient>();
  private waiters: { version: number; client: EngineClient | undefined; resolve: () => void }[] = [];
  private running = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly runtimeOf: () => Runtime;
  private readonly serialize: OutcomeSerializer;
  private unwatch: (() => void) | undefined;
  private readonly pendingRetry = new Set<QueryGroup>();

  private readonly options: RealtimeEngineOptions;

  constructor(options: RealtimeEngineOptions) {
    const runtime = options.runtime;
    if (typeof runtime === "function") this.runtimeOf = runtime;
    else {
      this.runtimeOf = () => runtime;
      this.unwatch = runtime.onCommit(({ writes }) => this.publish(writes));
    }
    this.serialize = options.serialize ?? outcomeSerializer({ dev: false });
    this.options = { onError: (error) => console.error("convoy: the realtime engine failed", error), ...options };
    this.log = new CommitLog(options.commitLogSize);
  }

  /** Clients connected. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Live subscriptions over all clients. */
  get subscriptionCount(): number {
    let count = 0;
    for (const group of this.groups.values()) count += group.members.size;
    return count;
  }

  /** Distinct `(name, args, identity)` groups (each costs one run per change). */
  get groupCount(): number {
    return this.groups.size;
  }

  /** A new client (a socket) with its identity. */
  connect(sink: ClientSink, identity: UserIdentity | null = null): EngineClient {
    const client = new EngineClient(this, sink, identity);
    this.clients.add(client);
    return client;
  }

  /**
   * Publish a committed mutation's writes (the runtime's `onCommit`): a new version, logged,
   * and the groups it may have changed marked for a re-run. Returns the version.
   */
  publish(writes: readonly WriteRecord[]): number {
    // No live query and no cycle in progress: nothing to mark or log, so no write set to build.
    if (!this.running && this.groups.size === 0) return this.nextVersion();
    return this.publishWriteSet(writeSetOf(writes));
  }

  /** {@link publish} for a write set already built (e.g. received from another server). */
  publishWriteSet(writeSet: WriteSet): number {
    const version = this.nextVersion();
    // Only a cycle in progress (its runs on a snapshot of an older version) asks the log for
    // later commits; any cycle started from now on has a newer version. Without one, the write
    // set is not kept (a server with no live queries keeps no write sets at all).
    if (this.running) this.log.push(version, writeSet);
    let dirtied = false;
    for (const group of this.index.match(writeSet)) {
      this.dirty.add(group);
      dirtied = true;
    }
    if (dirtied) this.schedule();
    return version;
  }

  private nextVersion(): number {
    this.stats.commits++;
    return ++this.version;
  }

  /** Re-run every live query (e.g. after the functions were reloaded). */
  rerunAll(): void {
    for (const group of this.groups.values()) this.dirty.add(group);
    this.schedule();
  }

  /**
   * Resolves after a cycle that reflects every commit up to `version` delivered its transitions
   * (to `client`: once none of its subscriptions waits for a first run, e.g. after a new token
   * moved them to new groups while a cycle ran).
   */
  synced(version: number, client?: EngineClient): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ version, client, resolve });
      this.schedule();
    });
  }

  /** Stop: drop every client and subscription, resolve waiters. */
  close(): void {
    this.closed = true;
    this.unwatch?.();
    clearTimeout(this.retryTimer);
    for (const client of [...this.clients]) this.disconnect(client);
    for (const waiter of this.waiters) waiter.resolve();
    this.waiters = [];
  }

  /** @internal (EngineClient.subscribe) */
  subscribe(client: EngineClient, queryId: number, name: string, args: Record<string, Value>): boolean {
    if (client.subscriptions.has(queryId) || client.closed) return false;
    const subscription: Subscription = { client, queryId, group: this.join(name, args, client.identity, undefined), sentText: undefined };
    subscription.group.members.add(subscription);
    client.subscriptions.set(queryId, subscription);
    this.touched.add(client);
    this.schedule();
    return true;
  }

  /** @internal (EngineClient.unsubscribe) */
  unsubscribe(client: EngineClient, queryId: number): boolean {
    const subscription = client.subscriptions.get(queryId);
    if (subscription === undefined) return false;
    client.subscriptions.delete(queryId);
    this.leave(subscription);
    return true;
  }

  /** @internal (EngineClient.setIdentity) */
  setIdentity(client: EngineClient, identity: UserIdentity | null): void {
    client.identity = identity;
    for (const subscription of client.subscriptions.values()) {
      const { group } = subscription;
      this.leave(subscription);
      subscription.group = this.join(group.name, group.args, identity, group);
      subscription.group.members.add(subscription);
    }
    this.touched.add(client);
    this.schedule();
  }

  /** @internal (EngineClient.close) */
  disconnect(client: EngineClient): void {
    client.closed = true;
    for (const subscription of client.subscriptions.values()) this.leave(subscription);
    client.subscriptions.clear();
    this.clients.delete(client);
    this.touched.delete(client);
  }

  /** The group of `(name, args, identity)`, created (and marked for its first run) when new. */
  private join(name: string, args: Record<string, Value>, identity: UserIdentity | null, like: QueryGroup | undefined): QueryGroup {
    const identityKey = identityKeyOf(identity);
    const argsText = like === undefined ? JSON.stringify(args) : like.key.split("\u0000")[1]!;
    const key = groupKey(name, argsText, identityKey);
    let group = this.groups.get(key);
    if (group === undefined) {
      group = new QueryGroup(key, name, args, identity, identityKey);
      this.groups.set(key, group);
      this.dirty.add(group);
    }
    return group;
  }

  private leave(subscription: Subscription): void {
    const { group } = subscription;
    group.members.delete(subscription);
    if (group.members.size === 0) {
      this.groups.delete(group.key);
      this.index.remove(group);
      this.dirty.delete(group);
    }
  }

  private schedule(): void {
    if (this.running || this.closed) return;
    this.running = true;
    setImmediate(() => {
      void this.loop();
    });
  }

  private async loop(): Promise<void> {
    try {
      while (!this.closed && (this.dirty.size > 0 || this.touched.size > 0 || this.waiters.length > 0)) await this.cycle();
      this.running = false;
      // every later cycle runs on a newer version than anything logged
      this.log.clear();
    } catch (error) {
      // Not expected (runs catch their own errors): report, and try again shortly rather than stall.
      this.options.onError?.(error);
      setTimeout(() => {
        this.running = false;
        this.schedule();
      }, 1000).unref();
    }
  }

  /** One cycle: run the dirty groups at version `base`, deliver what changed, answer the waiters. */
  private async cycle(): Promise<void> {
    const base = ++this.version;
    const batch = [...this.dirty];
    this.dirty = new Set();
    if (batch.length > 0) await this.runGroups(base, batch);
    const touched = this.touched;
    this.touched = new Set();
    for (const client of touched) {
      if (client.closed) continue;
      const results: TransitionResult[] = [];
      for (const subscription of client.subscriptions.values()) {
        const text = subscription.group.text;
        if (text === undefined || text === subscription.sentText) continue;
        subscription.sentText = text;
        results.push({ queryId: subscription.queryId, text });
      }
      if (results.length === 0) continue;
      this.stats.pushes++;
      try {
        client.sink.transition({ version: base, results });
      } catch (error) {
        this.options.onError?.(error);
      }
    }
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      // A group without a result yet is dirty: the next cycle runs it.
      if (waiter.version < base && (waiter.client === undefined || !awaitsFirstRun(waiter.client))) waiter.resolve();
      else this.waiters.push(waiter);
    }
  }

  private async runGroups(base: number, batch: QueryGroup[]): Promise<void> {
    const byIdentity = new Map<string, QueryGroup[]>();
    for (const group of batch) {
      const list = byIdentity.get(group.identityKey);
      if (list === undefined) byIdentity.set(group.identityKey, [group]);
      else list.push(group);
    }
    const runtime = this.runtimeOf();
    const lists = [...byIdentity.values()];
    const parallelism = this.options.parallelism ?? 4;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < lists.length) {
        const groups = lists[next++]!;
        const results = await runBatch(runtime, groups[0]!.identity, groups);
        const recent = this.log.since(base);
        groups.forEach((group, i) => {
          const { outcome, reads } = results[i]!;
          if (this.groups.get(group.key) !== group) return; // dropped while it ran
          if (group.text === undefined) this.stats.firstRuns++;
          else {
            this.stats.reruns++;
            this.options.onRerun?.(group.name);
          }
          if (reads === null) this.retryLater(group);
          else {
            group.reads = plainReads(reads);
            this.index.add(group, group.reads);
          }
          // Commits after `base` may be missing from this snapshot: re-run when they touch what it read.
          if (recent.some((writes) => overlapsAny(writes, group.reads))) this.dirty.add(group);
          const text = this.serialize(outcome);
          group.failed = !outcome.ok;
          if (text !== group.text) {
            group.text = text;
            for (const member of group.members) this.touched.add(member.client);
          }
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallelism, lists.length) }, worker));
  }

  /** A run that failed as a whole (e.g. the database is down): try again in a second. */
  private retryLater(group: QueryGroup): void {
    this.pendingRetry.add(group);
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      for (const pending of this.pendingRetry) if (this.groups.get(pending.key) === pending) this.dirty.add(pending);
      this.pendingRetry.clear();
      this.schedule();
    }, 1000);
    this.retryTimer.unref();
  }
}

/** Whether one of an open client's subscriptions has no result yet. */
function awaitsFirstRun(client: EngineClient): boolean {
  if (client.closed) return false;
  for (const subscription of client.subscriptions.values()) if (subscription.group.text === undefined) return true;
  return false;
}

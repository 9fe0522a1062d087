import type { Driver } from "../driver/driver.js";
import type { MetricsSource } from "../http/handler-options.js";
import type { RealtimeEngine } from "../realtime/realtime-engine.js";
import type { CallEvent } from "../runtime/runtime.js";
import { Counter, Gauge, Histogram, MetricsRegistry } from "./metrics-registry.js";

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Convoy's metrics (SPEC §12), served at `GET /api/metrics`: calls by function and outcome with
 * their durations, retries and conflicts, the database pool, and the realtime engine (open
 * sockets, subscriptions, re-runs caused by invalidation, pushes).
 *
 * @example
 * const metrics = new ConvoyMetrics();
 * runtime.onCall((event) => metrics.recordCall(event));
 * metrics.watchRealtime(engine);
 * createServer({ runtime, metrics });
 */
export class ConvoyMetrics implements MetricsSource {
  readonly registry = new MetricsRegistry();
  readonly calls = this.registry.add(new Counter("convoy_calls_total", "Function calls by function, kind and outcome (ok or the error code)."));
  readonly durations = this.registry.add(new Histogram("convoy_call_duration_seconds", "Duration of function calls, retries included.", DURATION_BUCKETS));
  readonly retries = this.registry.add(new Counter("convoy_call_retries_total", "Attempts retried after a conflict (serialization failure or deadlock)."));
  readonly conflicts = this.registry.add(new Counter("convoy_call_conflicts_total", "Calls that failed with CONFLICT after their last attempt."));
  private engine: RealtimeEngine | undefined;
  private driver: Driver | undefined;

  constructor() {
    this.registry.add(new Gauge("convoy_db_pool_connections", "Database connections by state (pg pool; PGlite has one).", () => this.pool()));
    this.registry.add(new Gauge("convoy_db_pool_waiting", "Callers waiting for a database connection.", () => this.driver?.poolStats?.().waiting ?? 0));
    this.registry.add(new Gauge("convoy_sync_sockets", "Open /api/sync sockets.", () => this.engine?.clientCount ?? 0));
    this.registry.add(new Gauge("convoy_subscriptions_active", "Live subscriptions over all sockets.", () => this.engine?.subscriptionCount ?? 0));
    this.registry.add(new Gauge("convoy_subscription_groups", "Distinct (query, args, identity) groups: each costs one run per change.", () => this.engine?.groupCount ?? 0));
    this.registry.add(new Gauge("convoy_subscription_reruns_total", "Live query runs caused by invalidation (a commit touched what the query read).", () => this.engine?.stats.reruns ?? 0, "counter"));
    this.registry.add(new Gauge("convoy_subscription_first_runs_total", "First runs of new live queries.", () => this.engine?.stats.firstRuns ?? 0, "counter"));
    this.registry.add(new Gauge("convoy_pushes_total", "Transitions pushed to sync clients.", () => this.engine?.stats.pushes ?? 0, "counter"));
    this.registry.add(new Gauge("convoy_commits_published_total", "Committed mutations published to the realtime engine.", () => this.engine?.stats.commits ?? 0, "counter"));
  }

  /** Count one call (a runtime `onCall` listener). */
  recordCall(event: CallEvent): void {
    const fn = { function: event.name, kind: event.kind };
    this.calls.inc({ ...fn, outcome: event.ok ? "ok" : (event.errorCode ?? "INTERNAL") });
    this.durations.observe(fn, event.durationMs / 1000);
    if (event.attempts > 1) this.retries.inc(fn, event.attempts - 1);
    if (event.errorCode === "CONFLICT") this.conflicts.inc(fn);
  }

  /** Report the engine's clients (open sockets), subscriptions, re-runs and pushes. */
  watchRealtime(engine: RealtimeEngine): void {
    this.engine = engine;
  }

  /** Report the database pool. */
  watchDriver(driver: Driver): void {
    this.driver = driver;
  }

  render(): string {
    return this.registry.render();
  }

  private pool(): (readonly [Readonly<Record<string, string>>, number])[] {
    const stats = this.driver?.poolStats?.();
    if (stats === undefined) return [[{ state: "total" }, this.driver === undefined ? 0 : 1]];
    return [
      [{ state: "total" }, stats.total],
      [{ state: "idle" }, stats.idle],
      [{ state: "busy" }, stats.total - stats.idle],
    ];
  }
}


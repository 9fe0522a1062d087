import type { MetricsSource } from "../http/handler-options.js";

type Labels = Readonly<Record<string, string>>;

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra !== undefined) pairs.push(extra);
  if (pairs.length === 0) return "";
  return `{${pairs.map(([key, value]) => `${key}="${value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`).join(",")}}`;
}

function keyOf(labels: Labels): string {
  return JSON.stringify(Object.entries(labels));
}

/** A counter by labels. */
export class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, amount = 1): void {
    const key = keyOf(labels);
    const entry = this.values.get(key);
    if (entry === undefined) this.values.set(key, { labels, value: amount });
    else entry.value += amount;
  }

  /** The current value for `labels` (0 when never incremented). */
  get(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${String(value)}`);
    return lines.join("\n");
  }
}

/** A histogram by labels, with fixed buckets (upper bounds, in the metric's unit). */
export class Histogram {
  private readonly values = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = keyOf(labels);
    let entry = this.values.get(key);
    if (entry === undefined) this.values.set(key, (entry = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) entry.counts[i]!++;
    entry.sum += value;
    entry.count++;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.values.values()) {
      this.buckets.forEach((bound, i) => lines.push(`${this.name}_bucket${labelText(labels, ["le", String(bound)])} ${String(counts[i])}`));
      lines.push(`${this.name}_bucket${labelText(labels, ["le", "+Inf"])} ${String(count)}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${String(sum)}`);
      lines.push(`${this.name}_count${labelText(labels)} ${String(count)}`);
    }
    return lines.join("\n");
  }
}

/** A gauge (or a counter kept elsewhere, with `type: "counter"`) read when rendered. */
export class Gauge {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly collect: () => number | readonly (readonly [Labels, number])[],
    private readonly type: "gauge" | "counter" = "gauge",
  ) {}

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    const value = this.collect();
    if (typeof value === "number") lines.push(`${this.name} ${String(value)}`);
    else for (const [labels, number] of value) lines.push(`${this.name}${labelText(labels)} ${String(number)}`);
    return lines.join("\n");
  }
}

/**
 * Metrics rendered in the Prometheus text format (version 0.0.4), without a dependency.
 *
 * @example
 * const registry = new MetricsRegistry();
 * const calls = registry.add(new Counter("convoy_calls_total", "Function calls"));
 * calls.inc({ function: "messages:send", outcome: "ok" });
 * registry.render();
 */
export class MetricsRegistry implements MetricsSource {
  private readonly metrics: { name: string; render(): string }[] = [];

  add<TMetric extends { name: string; render(): string }>(metric: TMetric): TMetric {
    this.metrics.push(metric);
    return metric;
  }

  render(): string {
    return `${this.metrics.map((metric) => metric.render()).join("\n")}\n`;
  }
}

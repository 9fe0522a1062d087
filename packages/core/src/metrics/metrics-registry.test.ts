import { describe, expect, it } from "vitest";
import { Counter, Gauge, Histogram, MetricsRegistry } from "./metrics-registry.js";

describe("MetricsRegistry", () => {
  it("renders counters, histograms and gauges in the Prometheus text format, escaping label values", () => {
    const registry = new MetricsRegistry();
    const calls = registry.add(new Counter("calls_total", "Calls."));
    calls.inc({ function: 'a:"b"\\c', outcome: "ok" });
    calls.inc({ function: 'a:"b"\\c', outcome: "ok" }, 2);
    const durations = registry.add(new Histogram("duration_seconds", "Durations.", [0.1, 1]));
    durations.observe({ function: "f" }, 0.05);
    durations.observe({ function: "f" }, 0.5);
    durations.observe({ function: "f" }, 5);
    registry.add(new Gauge("open", "Open.", () => 3));
    registry.add(new Gauge("pool", "Pool.", () => [[{ state: "idle" }, 2]]));
    expect(registry.render()).toBe(
      [
        "# HELP calls_total Calls.",
        "# TYPE calls_total counter",
        'calls_total{function="a:\\"b\\"\\\\c",outcome="ok"} 3',
        "# HELP duration_seconds Durations.",
        "# TYPE duration_seconds histogram",
        'duration_seconds_bucket{function="f",le="0.1"} 1',
        'duration_seconds_bucket{function="f",le="1"} 2',
        'duration_seconds_bucket{function="f",le="+Inf"} 3',
        'duration_seconds_sum{function="f"} 5.55',
        'duration_seconds_count{function="f"} 3',
        "# HELP open Open.",
        "# TYPE open gauge",
        "open 3",
        "# HELP pool Pool.",
        "# TYPE pool gauge",
        'pool{state="idle"} 2',
        "",
      ].join("\n"),
    );
  });
});

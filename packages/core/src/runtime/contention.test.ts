import { describe, expect, it } from "vitest";
import { ContentionTracker } from "./contention.js";

describe("ContentionTracker", () => {
  it("a mutation starts alone once most of its recent attempts conflicted, and no longer once they commit", () => {
    const tracker = new ContentionTracker();
    expect(tracker.runAlone("m")).toBe(false);
    for (let i = 0; i < 10; i++) tracker.record("m", true);
    expect(tracker.runAlone("m")).toBe(true);
    expect(tracker.runAlone("other")).toBe(false);
    for (let i = 0; i < 10; i++) tracker.record("m", false);
    expect(tracker.runAlone("m")).toBe(false);
  });

  it("occasional conflicts do not make a mutation run alone", () => {
    const tracker = new ContentionTracker();
    for (let i = 0; i < 100; i++) tracker.record("m", i % 3 === 0);
    expect(tracker.runAlone("m")).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { ConflictGate } from "./conflict-gate.js";

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("ConflictGate", () => {
  it("lets shared holders run together", async () => {
    const gate = new ConflictGate();
    const order: string[] = [];
    const a = deferred();
    const first = gate.run(false, async () => {
      order.push("a start");
      await a.promise;
      order.push("a end");
    });
    const second = gate.run(false, () => {
      order.push("b");
      return Promise.resolve();
    });
    await second;
    a.resolve();
    await first;
    expect(order).toEqual(["a start", "b", "a end"]);
  });

  it("an exclusive holder waits for shared ones in flight, and later shared ones wait for it", async () => {
    const gate = new ConflictGate();
    const order: string[] = [];
    const a = deferred();
    const shared1 = gate.run(false, async () => {
      order.push("shared1 start");
      await a.promise;
      order.push("shared1 end");
    });
    const exclusive = gate.run(true, async () => {
      order.push("exclusive");
      await Promise.resolve();
      order.push("exclusive end");
    });
    const shared2 = gate.run(false, () => {
      order.push("shared2");
      return Promise.resolve();
    });
    await Promise.resolve();
    a.resolve();
    await Promise.all([shared1, exclusive, shared2]);
    expect(order).toEqual(["shared1 start", "shared1 end", "exclusive", "exclusive end", "shared2"]);
  });

  it("releases the gate when the holder throws", async () => {
    const gate = new ConflictGate();
    await expect(gate.run(true, () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    await expect(gate.run(true, () => Promise.resolve(1))).resolves.toBe(1);
    await expect(gate.run(false, () => Promise.resolve(2))).resolves.toBe(2);
  });
});

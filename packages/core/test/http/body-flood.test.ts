import { readFileSync, writeFileSync } from "node:fs";
import { request, Agent } from "node:http";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startScript, type CliProcess } from "../cli/cli-process.js";

const SERVER = fileURLToPath(new URL("./overload-server.ts", import.meta.url));
const MiB = 1024 * 1024;
const FLOOD = 200;
/** The documented bound (docs/http.md): peak RSS growth of the server under this flood, with the limits below. */
const RSS_GROWTH_BOUND = 192 * MiB;

/** Resident set size and its peak so far, in bytes (Linux `/proc`). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kib("VmRSS"), peak: kib("VmHWM") };
}

interface Outcome {
  status: number | "reset";
  retryAfter?: string | undefined;
}

function post(port: number, agent: Agent, body: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, agent, method: "POST", path: "/api/query/items:echo", headers: { "content-type": "application/json", "content-length": body.length } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] }));
      res.on("error", () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] }));
    });
    // a refused body is not read: the server answers and closes while the client may still be sending
    req.on("error", () => resolve({ status: "reset" }));
    req.end(body);
  });
}

/**
 * 200 concurrent 1 MiB bodies against a server admitting 8 calls and 16 MiB of bodies: the
 * excess gets 503 with Retry-After (or, still uploading, a closed connection), the admitted
 * calls succeed, and the server's resident memory stays under the documented bound.
 */
describe("a 1 MiB-body flood", () => {
  let server: CliProcess | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it("answers the excess with 503 + Retry-After and bounds the server's memory", async () => {
    server = startScript(SERVER, ["8", String(16 * MiB)], process.cwd());
    const [, port] = await server.waitFor(/listening on (\d+)/, 120_000);
    const pid = server.child.pid!;
    const body = Buffer.from(JSON.stringify({ args: { value: "x".repeat(MiB - 32) } }));
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    // warm up (first call compiles the paths a call takes), then take the baseline
    expect((await post(Number(port), agent, body)).status).toBe(200);
    // "5" resets the peak (VmHWM) to the current RSS: the peak after the flood is the flood's
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    const before = memoryOf(pid);

    const outcomes = await Promise.all(Array.from({ length: FLOOD }, () => post(Number(port), agent, body)));
    const after = memoryOf(pid);
    agent.destroy();

    const refused = outcomes.filter((outcome) => outcome.status === 503);
    expect(outcomes.filter((outcome) => outcome.status === 200).length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const outcome of refused) expect(outcome.retryAfter).toBe("1");
    for (const outcome of outcomes) expect([200, 503, "reset"]).toContain(outcome.status);
    console.log(`flood: ${FLOOD} × 1 MiB; 200: ${FLOOD - refused.length - outcomes.filter((o) => o.status === "reset").length}, 503: ${refused.length}; RSS ${(before.rss / MiB).toFixed(0)} → peak ${(after.peak / MiB).toFixed(0)} MiB`);
    expect(after.peak - before.rss).toBeLessThan(RSS_GROWTH_BOUND);
  }, 300_000);
});

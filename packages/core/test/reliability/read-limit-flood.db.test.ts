import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { startScript, type CliProcess } from "../cli/cli-process.js";
import { useTestDatabase } from "../helpers/test-database.js";

const SERVER = fileURLToPath(new URL("./read-limit-server.ts", import.meta.url));
const MiB = 1024 * 1024;
/** The server's V8 heap: twelve unbounded reads of the seeded data would need several times this. */
const HEAP_MB = 96;
const DOCUMENTS = 300;
const DOCUMENT_BYTES = 64 * 1024;
const MAX_BYTES_READ = 4 * MiB;
const MAX_DOCUMENTS_READ = 2000;
const CONCURRENT = 12;

/** Resident set size and its peak so far, in bytes (Linux `/proc`). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kib("VmRSS"), peak: kib("VmHWM") };
}

async function call(port: string, name: string): Promise<{ status: number; body: { value?: unknown; error?: { code: string; message: string; data?: unknown } } }> {
  const response = await fetch(`http://127.0.0.1:${port}/api/query/${name}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ args: {} }) });
  return { status: response.status, body: (await response.json()) as never };
}

/**
 * Twelve concurrent calls that each read past the read limits (about 19 MiB of 64 KiB documents
 * per call, or 500 documents too many), against a server with a 96 MB heap: each gets
 * `LIMIT_EXCEEDED` naming the limit, and the server stays up and answers afterwards.
 */
describe("concurrent reads past the read limits", () => {
  const db = useTestDatabase();
  let server: CliProcess | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it("each fails with LIMIT_EXCEEDED, the server stays up with a small heap and answers afterwards", async () => {
    const env = { NODE_OPTIONS: `--max-old-space-size=${HEAP_MB}`, ...(db().databaseUrl === undefined ? {} : { DATABASE_URL: db().databaseUrl }) };
    server = startScript(SERVER, [DOCUMENTS, DOCUMENT_BYTES, MAX_BYTES_READ, MAX_DOCUMENTS_READ].map(String), process.cwd(), env);
    const [, port] = await server.waitFor(/listening on (\d+)/, 240_000);
    const pid = server.child.pid!;
    // "5" resets the peak (VmHWM) to the current RSS: the peak after the calls is theirs, not the seeding's
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    const before = memoryOf(pid);

    for (const [name, limit, value] of [
      ["big:all", "maxBytesRead", MAX_BYTES_READ],
      ["small:all", "maxDocumentsRead", MAX_DOCUMENTS_READ],
    ] as const) {
      const results = await Promise.all(Array.from({ length: CONCURRENT }, () => call(port!, name)));
      for (const { status, body } of results) {
        expect(status).toBe(400);
        expect(body.error?.code).toBe("LIMIT_EXCEEDED");
        expect(body.error?.message).toContain(`(limits.${limit})`);
        expect(body.error?.message).toContain(String(value));
        expect(body.error?.data).toEqual({ limit, value });
      }
    }
    expect(server.child.exitCode).toBeNull();
    expect(await call(port!, "big:count")).toEqual({ status: 200, body: { value: DOCUMENTS } });
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    expect(health.status).toBe(200);
    const after = memoryOf(pid);
    console.log(`read-limit flood (${db().kind}): ${CONCURRENT} × 2 calls past the limits, heap limit ${HEAP_MB} MB, RSS ${(before.rss / MiB).toFixed(0)} → peak ${(after.peak / MiB).toFixed(0)} MiB`);
  }, 300_000);
});
